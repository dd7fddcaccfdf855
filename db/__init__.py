"""Persistence: typed SQLAlchemy models, repositories (every query lives there), the engine and
session handling, and the alembic migrations."""
