"""``python -m simulator serve``: run the network service (see :mod:`simulator.service`)."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from simulator.settings import SimulatorSettings

FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


class _PathsOnly(logging.Filter):
    """The access log shows paths without their query strings: the control API is asked for
    OTPs by mobile number and e-mail address, which stay out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="simulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the simulated network (participant and control APIs)")
    parser.parse_args(argv)
    try:
        settings = SimulatorSettings.from_env()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(level=settings.log_level, format=FORMAT, stream=sys.stderr)
    logging.getLogger("uvicorn.access").addFilter(_PathsOnly())
    uvicorn.run(
        "simulator.service:create_service",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
