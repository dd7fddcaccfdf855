"""The layers import one way: the contract imports neither side, the network service (the
simulator) nothing of the API, and the API nothing of the simulator except where it runs the
network in process (``server/app.py``) and seeds the demo (``server/seed.py``). Within the API,
each layer imports only those below it: ``server → schema → resolvers (glue) → dispatcher →
services → db``."""

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


# Within the API: a folder, the modules it may not import, and the exceptions it may (module
# prefixes; a file's own exceptions by its path). ``server.settings`` is the configuration the
# layers above db read; the rest of ``server`` is the runtime on top.
LAYERS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("db", ("resolvers", "schema", "server", "strawberry", "starlette"), ()),
    ("resolvers/services", ("resolvers", "schema", "server", "strawberry", "starlette"),
     ("resolvers.services",)),
    ("resolvers/dispatcher", ("resolvers", "schema", "server", "strawberry", "starlette"),
     ("resolvers.services", "resolvers.dispatcher")),
    ("resolvers", ("schema", "server"), ("server.settings",)),
    ("schema", ("server",), ("server.settings",)),
]  # fmt: skip
# Alembic's entry point reads the settings to find the database.
LAYER_EXCEPTIONS = {("db/migrations/env.py", "server.settings")}


def _modules(path: Path) -> set[str]:
    """Every module ``path`` imports, in full (TYPE_CHECKING and function-level ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_each_layer_of_the_api_imports_only_those_below() -> None:
    broken = []
    for folder, forbidden, allowed in LAYERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if "migrations/versions" in where:
                continue
            if folder == "resolvers" and where.startswith(("resolvers/services/", "resolvers/dispatcher/")):  # fmt: skip
                continue  # their own, stricter rules
            for name in sorted(_modules(path)):
                if (
                    _within(name, forbidden)
                    and not _within(name, allowed)
                    and (where, name) not in LAYER_EXCEPTIONS
                ):
                    broken.append(f"{where} imports {name}")
    assert broken == []


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


def test_the_layer_rules_catch_a_service_reaching_up(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import strawberry\nfrom resolvers.context import Context\n")
    names = _modules(wrong)
    assert [n for n in names if _within(n, LAYERS[1][1]) and not _within(n, LAYERS[1][2])] != []
    assert not _within("resolvers.services.text", ("resolvers.context",))


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _loaded_at_import(path: Path, known: set[str]) -> set[str]:
    """The project's modules that importing ``path`` loads: its module-level imports (not
    those under ``if TYPE_CHECKING`` nor inside functions), ``from package import module``
    counted as the module, and its own parent packages left out (Python loads those first)."""
    own = _module_name(path)
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = {f"{node.module}.{a.name}" for a in node.names} & known
            found.update(modules or {node.module})
    return {m for m in found & known if m != own and not own.startswith(m + ".")}


def test_no_two_modules_need_each_other_to_load() -> None:
    """The module-level import graph has no cycles: a type that refers to one above it does so
    through a lazy annotation (``strawberry.lazy``) and imports it where it is used."""
    paths = [
        p for package in ("contract", "db", "resolvers", "schema", "server", "simulator")
        for p in (ROOT / package).rglob("*.py") if "migrations/versions" not in p.as_posix()
    ]  # fmt: skip
    known = {_module_name(p) for p in paths}
    graph = {_module_name(p): _loaded_at_import(p, known) for p in paths}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for needed in sorted(graph[module]):
            if state.get(needed) == 1:
                cycles.append([*path[path.index(needed) :], needed])
            elif needed not in state:
                walk(needed, [*path, needed])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []
