"""The layers import one way: the contract imports neither side, the network service (the
simulator) nothing of the API, and the API nothing of the simulator except where it runs the
network in process (``server/app.py``) and seeds the demo (``server/seed.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ("resolvers", "schema", "server", "db")
RULES = {
    "contract": (*API, "simulator", "tests", "bench"),
    "simulator": (*API, "tests", "bench"),
    **dict.fromkeys(API, ("simulator", "tests", "bench")),
}
# The in-process adapter and the demo seed: the API's only doors to the simulator.
ALLOWED = {("server/app.py", "simulator"), ("server/seed.py", "simulator")}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_every_package_imports_only_what_its_layer_may() -> None:
    broken = []
    for package, forbidden in RULES.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if "migrations/versions" in where:
                continue
            for name in sorted(_imports(path) & set(forbidden)):
                if (where, name) not in ALLOWED:
                    broken.append(f"{where} imports {name}")
    assert broken == []


def test_the_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from resolvers.services import accounts\nimport simulator.core\n")
    assert _imports(wrong) == {"resolvers", "simulator"}
