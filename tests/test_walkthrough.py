"""The README's first steps and docs/walkthrough.md, run exactly as a reader pastes them, in
page order, against a fresh ``python -m server.cli up`` (what ``make run`` runs).

A page is read as the reader reads it: a ```graphql block is one operation sent as GraphiQL
sends it, with the ```json variables block under it; a ```json headers block is what the
reader puts in the *Headers* tab from then on; a ```sh block runs in bash (with the project's
environment first on the PATH); a ```python or ```js block with a file name is a file the
reader saves under that name; a ```graphql example block is not a step. The only values
put in are those the page tells the reader to put in: ``<NAME>`` placeholders, each bound by a
``<!-- NAME = path -->`` note to a value of an earlier answer, and ``<TODAY>``. A
``<!-- until path == value -->`` note repeats the step before it (as a reader asks again)
until the answer says so. Every answer must be free of errors and ``userErrors``. The only
change the harness makes is the ports (free ones instead of 8000, 8001 and a receiver's 8002),
so a page a reader cannot follow fails the build. Processes a page starts in the background
and whose pid it saves in a ``*.pid`` file are stopped when the page ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from tests.conftest import REPO_ROOT, free_port

PAGES = (
    REPO_ROOT / "README.md",
    REPO_ROOT / "docs" / "walkthrough.md",
    REPO_ROOT / "docs" / "integrators.md",
)
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")
ITEM = re.compile(r"```([^\n]*)\n(.*?)```|<!--(.*?)-->", re.DOTALL)
UNTIL_SECONDS = 60.0


@dataclass
class Step:
    """One thing a reader does, with the notes that follow it."""

    kind: str  # graphql | sh | headers | file
    text: str
    # For a file: its name.
    name: str = ""
    variables: str | None = None
    notes: list[str] = field(default_factory=list)


def steps(page: str) -> Iterator[Step]:
    """The page's steps, in order."""
    current: Step | None = None
    for match in ITEM.finditer(page):
        info, body, note = match.group(1), match.group(2), match.group(3)
        if note is not None:
            if current is not None:
                current.notes.append(note.strip())
            continue
        words = info.split()
        language = words[0] if words else ""
        if language == "json" and words[1:] == ["variables"]:
            assert current is not None and current.kind == "graphql", body
            current.variables = body
            continue
        if current is not None:
            yield current
        if language == "json" and words[1:] == ["headers"]:
            current = Step("headers", body)
        elif language in {"python", "js"} and len(words) == 2:
            current = Step("file", body, name=words[1])
        elif language in {"graphql", "sh"} and words[1:] != ["example"]:
            # (``console``: what the harness itself ran; ``graphql example``: not a step)
            current = Step(language, body)
        else:
            current = None
    if current is not None:
        yield current


def _path(answer: Any, path: str) -> Any:
    value = answer
    for part in path.split("."):
        if isinstance(value, list):
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _shown(value: Any) -> str:
    """A value as the page writes it: strings bare, anything else as JSON (``null``)."""
    return value if isinstance(value, str) else json.dumps(value)


def _user_errors(value: Any) -> list[Any]:
    if isinstance(value, dict):
        found = list(value.get("userErrors") or [])
        for item in value.values():
            found += _user_errors(item)
        return found
    if isinstance(value, list):
        return [e for item in value for e in _user_errors(item)]
    return []


class Reader:
    """Does what the page says against the served API and network."""

    def __init__(self, api: str, network: str, workdir: Path) -> None:
        self.api = api
        self.network = network
        self.receiver = free_port()
        self.workdir = workdir
        self.values = {"TODAY": datetime.now(UTC).date().isoformat()}
        self.headers: dict[str, str] = {}

    def put_in(self, text: str) -> str:
        """The text with what the reader was told to put in, and the harness's ports."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.values, f"the page never says what <{name}> is"
            return str(self.values[name])

        text = text.replace("127.0.0.1:8000", self.api).replace("127.0.0.1:8001", self.network)
        for written in ("127.0.0.1:{}", '("127.0.0.1", {})'):
            text = text.replace(written.format(8002), written.format(self.receiver))
        return PLACEHOLDER.sub(value, text)

    def stop_background(self) -> None:
        """Stop what the page left running (the pids it saved)."""
        for pid_file in self.workdir.glob("*.pid"):
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)

    async def run(self, client: httpx.AsyncClient, step: Step) -> Any:
        if step.kind == "headers":
            self.headers = json.loads(self.put_in(step.text))
            return None
        if step.kind == "file":
            (self.workdir / step.name).write_text(self.put_in(step.text), encoding="utf-8")
            return None
        if step.kind == "sh":
            path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
            done = await asyncio.to_thread(
                subprocess.run, ["bash", "-e", "-c", self.put_in(step.text)], cwd=self.workdir,
                capture_output=True, text=True, timeout=60, check=False,
                env={**os.environ, "PATH": path},
            )  # fmt: skip
            assert done.returncode == 0, (step.text, done.stdout, done.stderr)
            lines = [line for line in done.stdout.splitlines() if line.strip()]
            return json.loads(lines[-1]) if lines else None
        [operation] = [
            d for d in parse(step.text).definitions if isinstance(d, OperationDefinitionNode)
        ]
        body = {
            "query": self.put_in(step.text),
            "variables": json.loads(self.put_in(step.variables or "{}")),
            "operationName": operation.name.value if operation.name else None,
        }
        response = await client.post(f"http://{self.api}/graphql", json=body, headers=self.headers)
        answer = response.json()
        assert response.status_code == 200 and "errors" not in answer, (step.text, answer)
        assert _user_errors(answer["data"]) == [], (step.text, answer)
        return answer

    async def follow(self, client: httpx.AsyncClient, step: Step) -> None:
        answer = await self.run(client, step)
        for note in step.notes:
            if note.startswith("until "):
                path, wanted = re.split(r"\s*(?:==|!=)\s*", note.removeprefix("until "), maxsplit=1)
                equal = "==" in note
                deadline = time.monotonic() + UNTIL_SECONDS
                while (_shown(_path(answer, path)) == wanted) != equal:
                    assert time.monotonic() < deadline, (step.text, note, answer)
                    await asyncio.sleep(0.5)
                    answer = await self.run(client, step)
            else:
                name, path = (part.strip() for part in note.split("=", 1))
                found = _path(answer, path)
                assert found is not None, (step.text, note, answer)
                self.values[name] = found


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[str, str]]:
    """A fresh ``server.cli up`` (what ``make run`` runs) on free ports and its own files."""
    if database_url.startswith("postgresql"):
        pytest.skip("`make run` serves SQLite: the walkthrough runs in the SQLite pass")
    api_port, network_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(api_port),
        "SIMULATOR_PORT": str(network_port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'api.db'}",
        "SIMULATOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'network.db'}",
        "KYC_STORAGE_DIR": str(tmp_path / "kyc"),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("NETWORK_URL", "TEST_DATABASE_URL"):
        env.pop(name, None)
    with (tmp_path / "up.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "up"], cwd=REPO_ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/healthz").is_success:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "up.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            time.sleep(0.2)
        yield f"127.0.0.1:{api_port}", f"127.0.0.1:{network_port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_the_pages_hold_steps() -> None:
    """What the walkthrough test runs is there (a page whose blocks stopped parsing would
    otherwise pass with nothing run)."""
    found = {page.name: list(steps(page.read_text(encoding="utf-8"))) for page in PAGES}
    assert len(found["README.md"]) >= 3
    assert len(found["walkthrough.md"]) >= 60
    names = {m for s in found["walkthrough.md"] for m in PLACEHOLDER.findall(s.text + (s.variables or ""))}  # fmt: skip
    bound = {n.split("=")[0].strip() for s in found["walkthrough.md"] for n in s.notes if "=" in n and not n.startswith("until")}  # fmt: skip
    assert names - bound == {"TODAY"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
async def test_a_reader_can_follow_the_page(
    page: Path, served: tuple[str, str], tmp_path: Path
) -> None:
    reader = Reader(*served, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for step in steps(page.read_text(encoding="utf-8")):
                await reader.follow(client, step)
    finally:
        reader.stop_background()
