"""The seeded simulation soak: many businesses trading through the API and the network
service, run as real processes on PostgreSQL databases of their own, with faults injected and
processes killed at seeded moments, and every party's books checked while it runs and after.

``python -m tests.soak`` (``make soak``) runs one; ``tests/test_soak_postgres.py`` runs a short
one in ``make test``. Settings (environment): ``SOAK_SEED`` (a new one when unset),
``SOAK_SECONDS`` (how long the workload runs, 60), ``SOAK_ORGS`` (businesses, 24),
``SOAK_WORKERS`` (API worker processes, 2), ``SOAK_CLIENTS`` (concurrent clients, 4),
``SOAK_SETTLE_SECONDS`` (at most how long the finish may take to settle, 3600),
``SOAK_SUMMARY`` (a JSON file the summary is written to, when set).

- :mod:`tests.soak.cluster`: the databases and the processes, and killing them.
- :mod:`tests.soak.client`: the GraphQL and control clients, counting what came back.
- :mod:`tests.soak.workload`: the seeded model: who does what, and the faults.
- :mod:`tests.soak.checks`: the invariants.
- :mod:`tests.soak.run`: one soak from start to summary.
"""
