"""Persistence: typed SQLAlchemy models, repositories (every query lives there), the engine,
units of work and session handling, and the alembic migrations.

The lowest layer of the API: it imports nothing of ``resolvers``, ``schema`` or ``server``
(alembic's ``migrations/env.py`` reads ``server.settings`` to find the database)."""
