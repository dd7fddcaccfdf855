"""``python -m tests.soak``: one soak with the settings of :mod:`tests.soak` (``make soak``).
Prints the seed first and the summary last; exits 1 when an invariant broke."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path

from tests.soak.run import Settings, run


def settings_from_env() -> Settings:
    seed = os.environ.get("SOAK_SEED", "").strip()
    return Settings(
        seed=int(seed) if seed else secrets.randbelow(1_000_000),
        seconds=float(os.environ.get("SOAK_SECONDS", "60")),
        orgs=int(os.environ.get("SOAK_ORGS", "24")),
        workers=int(os.environ.get("SOAK_WORKERS", "2")),
        clients=int(os.environ.get("SOAK_CLIENTS", "4")),
        settle_seconds=float(os.environ.get("SOAK_SETTLE_SECONDS", "3600")),
    )


def main() -> int:
    settings = settings_from_env()
    workdir = Path(tempfile.mkdtemp(prefix=f"soak-{settings.seed}-"))
    summary = asyncio.run(run(settings, workdir))
    text = json.dumps(summary, indent=2)
    print(text)  # noqa: T201
    target = os.environ.get("SOAK_SUMMARY", "").strip()
    if target:
        Path(target).write_text(text + "\n")
    if summary["violations"]:
        print(f"soak FAILED on SOAK_SEED={settings.seed}; the processes' logs: {workdir}")  # noqa: T201
        return 1
    print(f"soak passed (SOAK_SEED={settings.seed}); replay: SOAK_SEED={settings.seed} make soak")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
