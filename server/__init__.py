"""The runtime on top of everything: settings (``server.settings``, the configuration every layer
may read), the ASGI application, the GraphQL view and WebSocket handling, webhooks from the
network, KYC uploads, request limits, logs, the demo seed and the CLI. The only part of the API
that may reach the simulator (to run it in process and to seed the demo)."""
