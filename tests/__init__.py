"""The test suite; it runs on SQLite and, through ``tests.postgres_run``, on PostgreSQL."""
