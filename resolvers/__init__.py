"""The application below the GraphQL schema, in three layers:

- here, at the top, the **glue** the schema calls: the per-request context, id decoding,
  permission checks, DataLoaders, the mutation runner (one unit of work a field, ``userErrors``
  out of refusals), the broker and the subscription feeds. It may import the dispatcher, the
  services, ``db`` and ``server.settings``; never ``schema`` nor the rest of ``server``.
- ``resolvers.dispatcher``: the outbox dispatcher, network work after commit. It needs a
  :class:`~resolvers.dispatcher.base.Host` (transactions, time), not the app's state; it may
  import the services and ``db``.
- ``resolvers.services``: the domain, every business rule. It may import only ``db``, the
  ``contract`` and itself; never strawberry, the glue, the dispatcher, ``schema`` or
  ``server``.

``tests/test_import_rules.py`` holds each layer to what it may import."""
