"""The domain: every business rule, one module (or package) a domain: accounts, organisations,
access and invitations, onboarding and the B2B ID, KYC, contacts and their links, documents,
pushes, the inbox, payments with reconciliation, financing; and what they share (errors, text
checks, idempotency, OTPs, throttles, tax).

A service takes a unit of work, validates, changes rows and records events; it never commits,
never calls the network inside a transaction (``resolvers/network_calls.py`` asks first), and
imports only ``db``, the ``contract`` and other services: never strawberry, ``schema``,
``server`` or the glue above it."""
