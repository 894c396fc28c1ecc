"""Every setting and route of the server extension is in ``docs/jupyterlab.md``, every route
is exercised by a test, and the package declares its entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

import opik_jupyter
from opik_jupyter.server_ext import OpikJupyter
from opik_jupyter.server_ext.handlers import route_handlers

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "jupyterlab.md").read_text()
TESTS = "\n".join(
    p.read_text() for p in Path(__file__).parent.rglob("test_*.py") if p.name != "test_docs.py"
)
SETTINGS = sorted(OpikJupyter.class_own_traits(config=True))


@pytest.mark.parametrize("name", SETTINGS)
def test_setting__is_documented(name: str) -> None:
    assert f"| `{name}` |" in DOC


@pytest.mark.parametrize("pattern", [p for p, *_ in route_handlers(manager=None)])  # type: ignore[arg-type]
def test_route__is_documented_and_tested(pattern: str) -> None:
    route = pattern.replace("(.*)", "")
    assert f"<base_url>{route}" in DOC
    assert f'"{route.strip("/").split("/")[1]}"' in TESTS or route in TESTS


def test_entry_points__name_the_extension_and_the_built_labextension() -> None:
    points = opik_jupyter._jupyter_server_extension_points()
    assert points == [{"module": "opik_jupyter.server_ext", "app": OpikJupyter}]
    (lab,) = opik_jupyter._jupyter_labextension_paths()
    assert lab["dest"] == "opik-jupyter"
    assert (Path(opik_jupyter.__file__).parent / lab["src"] / "package.json").exists()
