"""The runtime: settings, the ASGI application, the GraphQL view, request limits and the CLI."""
