"""``python -m simulator serve``: run the network service (see :mod:`simulator.service`).

``python -m simulator dead-letters list | retry ID | retry --all-of-kind KIND | drop ID``
(``--reason`` for retry and drop, ``--by`` for who, your user name by default): the messages
the running service gave up delivering, and what to do about them, through its control API
(``SIMULATOR_HOST``/``SIMULATOR_PORT``, with ``SIMULATOR_CONTROL_TOKEN`` when set)."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys

import httpx
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
    letters = sub.add_parser("dead-letters", help="list, retry or drop undeliverable messages")
    letters.add_argument("action", choices=["list", "retry", "drop"])
    letters.add_argument("message_id", nargs="?", help="the message (retry, drop)")
    letters.add_argument("--all-of-kind", help="retry every dead message of this kind")
    letters.add_argument("--reason", default="", help="why (retry, drop)")
    letters.add_argument("--by", default=getpass.getuser(), help="who (your user name)")
    arguments = parser.parse_args(argv)
    try:
        settings = SimulatorSettings.from_env()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    if arguments.command == "dead-letters":
        return _dead_letters(settings, arguments)
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


def _dead_letters(settings: SimulatorSettings, arguments: argparse.Namespace) -> int:
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host  # noqa: S104
    headers = (
        {"Authorization": f"Bearer {settings.control_token}"} if settings.control_token else {}
    )
    base = f"http://{host}:{settings.port}/simulator/dead-letters"
    try:
        with httpx.Client(headers=headers, timeout=10) as http:
            if arguments.action == "list":
                response = http.get(base)
            else:
                body = {
                    "messageId": arguments.message_id, "kind": arguments.all_of_kind,
                    "actor": arguments.by, "reason": arguments.reason,
                }  # fmt: skip
                response = http.post(f"{base}/{arguments.action}", json=body)
    except httpx.HTTPError as exc:
        print(f"the network service did not answer: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    if not response.is_success:
        print(response.json().get("error", response.text), file=sys.stderr)  # noqa: T201
        return 1
    print(json.dumps(response.json(), indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
