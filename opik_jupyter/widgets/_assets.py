"""Where the bundled front end lives (``static/``, built from ``frontend/`` at install)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"

_MISSING = """
export default { render({ el }) {
  el.textContent = "opik-jupyter: the widget front end is not built " +
    "(run `npm ci && npm run build` in frontend/, or reinstall the package).";
} };
"""


def asset(name: str) -> Path | str:
    """The bundled file ``name``; without a build, a script saying so (or no style)."""
    path = STATIC / name
    if path.is_file():
        return path
    return _MISSING if name.endswith(".js") else ""


def text_of(found: Path | str) -> str:
    """The contents of what :func:`asset` found."""
    return found.read_text(encoding="utf-8") if isinstance(found, Path) else found
