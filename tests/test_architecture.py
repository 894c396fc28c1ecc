"""The import rules of docs/architecture.md, checked on the source: each room of the package
imports only the rooms below it, and the backend never imports the notebook package. And the
tests' own rule: helpers come from ``tests/testlib``, never from a conftest or a test module."""

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
