"""Thin glue between the GraphQL schema and the services: context, id decoding, permission
checks, DataLoaders, the mutation runner and subscriptions. Business rules live in
``resolvers.services`` and never import strawberry."""
