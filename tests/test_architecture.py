"""The import rules of docs/architecture.md, checked on the source: each room of the package
imports only the rooms below it, and the backend never imports the notebook package. In the
backend the same holds for its rooms (pricing, storage, online, services, handlers), only
storage talks to the stores (drivers and SQL), and no import cycle exists. In the front end,
widgets and lab import only views. And the tests' own rule: helpers come from
``tests/testlib``, never from a conftest or a test module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "opik_jupyter"
BACKEND = ROOT / "backend" / "opik_backend"
TESTS = ROOT / "tests"

# room -> the other rooms of opik_jupyter it may import (its own room is always allowed)
MAY_IMPORT: dict[str, set[str]] = {
    "sdk": set(),
    "widgets": {"sdk"},
    "evaluation": {"sdk", "widgets"},
    "magics": {"sdk", "widgets"},
    "server_ext": {"sdk"},
    "testing": set(),
}
# what the notebook package may take from the backend: its version, the runtime file that
# says where a backend listens, and the commands that start it
BACKEND_MODULES_ALLOWED = {
    "opik_backend",
    "opik_backend.runtime",
    "opik_backend.server",
    "opik_backend.keys_cli",
}


def package_of(path: Path) -> list[str]:
    """The dotted package that ``path`` belongs to, as parts (``opik_jupyter.sdk``)."""
    top = path.relative_to(BACKEND.parent if path.is_relative_to(BACKEND) else ROOT)
    return list(top.parent.parts)


def imported_modules(path: Path) -> list[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    package = package_of(path)
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            names.append(".".join([*base, node.module] if node.module else base))
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def imported_names(path: Path) -> list[str]:
    """Like :func:`imported_modules`, plus ``m.n`` for each ``from m import n`` (``n`` may be
    a module: ``from tests.notebook import test_browser``)."""
    names = imported_modules(path)
    package = package_of(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def named_modules(path: Path) -> list[str]:
    """Modules of the package that ``path`` names in a string (``sys.modules.get(...)``,
    ``importlib.import_module(...)``): a way around the import rules."""
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"opik_jupyter(\.\w+)+", node.value)
    ]


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "opik_jupyter" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in MAY_IMPORT else None


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_rooms_import_only_the_rooms_below_them(path: Path) -> None:
    room = path.relative_to(PACKAGE).parts[0]
    if room not in MAY_IMPORT:
        return  # the package root and its CLI may use every room
    for module in imported_modules(path) + named_modules(path):
        target = room_of(module)
        assert target in (None, room, *MAY_IMPORT[room]), (
            f"{path.relative_to(ROOT)} ({room}) imports {module} ({target}): "
            f"{room} may import only {sorted(MAY_IMPORT[room]) or 'nothing else'}"
        )
        if module.startswith("opik_backend"):
            assert module in BACKEND_MODULES_ALLOWED, f"{path.name} imports {module}"


@pytest.mark.parametrize(
    "path", sorted(BACKEND.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_backend_never_imports_the_notebook_package(path: Path) -> None:
    for module in imported_modules(path):
        assert not module.startswith("opik_jupyter"), f"{path.name} imports {module}"


def test_the_checker_resolves_relative_imports() -> None:
    modules = imported_modules(PACKAGE / "evaluation" / "views" / "score_chart.py")
    assert "opik_jupyter.widgets._assets" in modules
    assert "opik_jupyter.evaluation._compare" in modules
    assert "opik_jupyter.evaluation.views._experiment_view_model" in modules


def test_the_checker_sees_modules_named_in_strings(tmp_path: Path) -> None:
    source = tmp_path / "lookup.py"
    source.write_text('import sys\nmagics = sys.modules.get("opik_jupyter.magics")\n')
    assert named_modules(source) == ["opik_jupyter.magics"]


def test_tests_take_helpers_from_testlib_not_from_conftests_or_test_modules() -> None:
    """Fixtures come to a test by name from the conftest files pytest loads; everything else
    a test shares comes from ``tests/testlib``."""
    offenders = []
    for path in [ROOT / "conftest.py", *sorted(TESTS.rglob("*.py"))]:
        for name in imported_names(path):
            parts = name.split(".")
            if any(part == "conftest" or part.startswith("test_") for part in parts):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


# -- the backend's rooms ---------------------------------------------------------------------

# the modules every room may import: errors, ids, encoding, settings and the REST bodies
BACKEND_BASE = {"__init__", "errors", "ids", "codec", "config", "schemas"}
# room -> the rooms it may import besides the base; the entry points (app, server, openapi,
# runtime, keys_cli, __main__) sit on top and may import every room
BACKEND_MAY_IMPORT: dict[str, set[str]] = {
    "pricing": set(),
    "otel": set(),  # OTLP decoding and mapping: pure, to the request bodies of schemas
    "access": {"runtime"},  # the token header's name; runtime imports nothing of the backend
    "storage": {"pricing"},
    "online": {"storage", "pricing"},
    "services": {"storage", "online", "access"},
    "handlers": {"storage", "online", "services", "access", "otel"},
}
BACKEND_ENTRY_POINTS = {"app", "server", "openapi", "runtime", "keys_cli", "__main__"}
# the store drivers: only storage talks to ClickHouse and the metadata database
STORE_DRIVERS = {"clickhouse_connect", "chdb", "pymysql", "sqlite3"}
SQL = re.compile(r"\b(SELECT .+ FROM|INSERT INTO|DELETE FROM|UPDATE \w+ SET|ALTER TABLE)\b")


def backend_module(path: Path) -> str:
    parts = path.relative_to(BACKEND.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def backend_room(module: str) -> str | None:
    """The room of a backend module: its subpackage, or its own name for a top module."""
    parts = module.split(".")
    if parts[0] != "opik_backend":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def is_backend_module(module: str) -> bool:
    path = BACKEND.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def backend_imports(path: Path) -> list[str]:
    """The backend modules ``path`` imports, ``from .. import pricing`` counted as
    ``opik_backend.pricing``."""
    found = set()
    for name in imported_names(path):
        module = name
        while module.startswith("opik_backend") and not is_backend_module(module):
            module = module.rpartition(".")[0]
        if module.startswith("opik_backend"):
            found.add(module)
    return sorted(found)


def backend_files() -> list[Path]:
    return sorted(BACKEND.rglob("*.py"))


@pytest.mark.parametrize("path", backend_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_backend_rooms_import_only_the_rooms_below_them(path: Path) -> None:
    room = backend_room(backend_module(path))
    if room in BACKEND_ENTRY_POINTS:
        return
    allowed = BACKEND_BASE | BACKEND_MAY_IMPORT.get(room or "", set()) | {room}
    for module in backend_imports(path):
        target = backend_room(module)
        assert target in allowed, (
            f"{path.relative_to(ROOT)} ({room}) imports {module} ({target}): "
            f"{room} may import only {sorted(allowed)}"
        )


@pytest.mark.parametrize("path", backend_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_storage_talks_to_the_stores(path: Path) -> None:
    """Handlers parse, authorize and shape; the SQL and the drivers live in storage, with no
    exception (the entry points may catch a driver's errors at start-up)."""
    room = backend_room(backend_module(path))
    if room in ("storage", *BACKEND_ENTRY_POINTS):
        return
    for module in imported_modules(path):
        assert module.split(".")[0] not in STORE_DRIVERS, f"{path.name} imports {module}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.search(node.value), (
                f"{path.relative_to(ROOT)} line {node.lineno} builds SQL; "
                "move it into backend/opik_backend/storage"
            )


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle of the import graph (a module importing its own package does not count)."""
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str] | None:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return None
        for target in graph.get(module, []):
            if target == module or module.startswith(target + "."):
                continue
            if cycle := visit(target, [*trail, module]):
                return cycle
        done.add(module)
        return None

    return next(filter(None, (visit(module, []) for module in graph)), None)


def test_the_backend_has_no_import_cycle() -> None:
    cycle = find_cycle({backend_module(path): backend_imports(path) for path in backend_files()})
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_backend_checker_sees_from_package_imports_and_sql() -> None:
    rows = BACKEND / "storage" / "rows.py"
    assert "opik_backend.pricing" in backend_imports(rows)
    assert backend_room("opik_backend.storage.reads") == "storage"
    assert SQL.search("DELETE FROM spans WHERE workspace_id = {ws:String}")
    assert not SQL.search("Delete a trace's feedback score by name")
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a.b": ["a"], "a": ["a.c"]}) is None


# -- the front end's rooms -------------------------------------------------------------------

FRONTEND = ROOT / "frontend" / "src"
FRONTEND_MAY_IMPORT = {"views": set(), "widgets": {"views"}, "lab": {"views"}}
TS_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"']*?from\s+["'](\.[^"']+)["']""", re.M)


def frontend_files() -> list[Path]:
    return sorted(p for room in FRONTEND_MAY_IMPORT for p in (FRONTEND / room).rglob("*.ts"))


@pytest.mark.parametrize("path", frontend_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_front_end_rooms_import_only_views(path: Path) -> None:
    room = path.relative_to(FRONTEND).parts[0]
    for spec in TS_IMPORT.findall(path.read_text(encoding="utf-8")):
        target = (path.parent / spec).resolve().relative_to(FRONTEND).parts[0]
        assert target in {room, *FRONTEND_MAY_IMPORT[room]}, (
            f"{path.relative_to(ROOT)} ({room}) imports {spec} ({target})"
        )


def test_the_front_end_checker_reads_imports() -> None:
    source = (FRONTEND / "lab" / "client.ts").read_text(encoding="utf-8")
    assert "./panel_data" in TS_IMPORT.findall(source)
