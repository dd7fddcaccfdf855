"""The GraphQL surface: types, inputs, payloads, enums, scalars and the root schema.

No SQL and no business rules here: fields call ``resolvers`` and map what comes back.
"""
