"""The GraphQL surface: types, inputs, payloads, enums, scalars and the root schema
(``schema.graphql`` is its SDL, kept in step by a test).

No SQL and no business rules here: fields call ``resolvers`` and map what comes back. It may
import ``resolvers``, ``db.models`` (for enums and mapping) and ``server.settings``; never the
rest of ``server``. Types that refer to each other do so through Strawberry's lazy
annotations."""
