"""The IPython extension: ``%load_ext opik_jupyter``.

Registers ``%%opik_track`` (a cell as a trace), ``%opik_project``, ``%opik_status``,
``%opik_track_all``, ``%opik_display`` and ``%opik_prompt`` (a prompt's history), the cell
hooks behind them, and instruments the installed LLM clients so that their calls inside
traced cells become ``llm`` spans.
"""

from __future__ import annotations

import logging
from typing import Any

from ..widgets._cell_view import display_enabled
from . import _errors
from ._cells import CellOptions, CellTracer
from ._magics import OpikMagics, parse_track_line

__all__ = [
    "CellOptions",
    "CellTracer",
    "OpikMagics",
    "load_ipython_extension",
    "tracer_of",
    "unload_ipython_extension",
]

log = logging.getLogger("opik_jupyter")
_tracers: dict[int, CellTracer] = {}
_instrumented_here = False


def load_ipython_extension(shell: Any) -> None:
    """Register the magics and cell hooks on ``shell`` (once per shell)."""
    if id(shell) in _tracers:
        return
    tracer = CellTracer(shell, parse_track_line)
    tracer.register()
    shell.register_magics(OpikMagics(shell, tracer))
    _errors.install(shell)
    _tracers[id(shell)] = tracer
    _instrument_llm_clients()
    if display_enabled():  # import the widgets now, not in the first traced cell's time
        from ..widgets import trace_tree  # noqa: F401, PLC0415


def unload_ipython_extension(shell: Any) -> None:
    """Remove the cell hooks (``%unload_ext opik_jupyter``); the magics stay defined."""
    global _instrumented_here  # noqa: PLW0603 - undo only what loading did
    tracer = _tracers.pop(id(shell), None)
    if tracer is not None:
        tracer.unregister()
        _errors.uninstall(shell)
    if _instrumented_here and not _tracers:
        from ..sdk.integrations import uninstrument  # noqa: PLC0415

        uninstrument()
        _instrumented_here = False


def tracer_of(shell: Any) -> CellTracer | None:
    """The cell tracer registered on ``shell``, if the extension is loaded there."""
    return _tracers.get(id(shell))


def _instrument_llm_clients() -> list[str]:
    """Every LLM client and framework `instrument()` knows makes spans inside traces."""
    global _instrumented_here  # noqa: PLW0603
    try:
        from ..sdk.integrations import instrument, instrumented  # noqa: PLC0415

        already = instrumented()
        done = instrument(only_inside_traces=True)
    except Exception:  # an integration failing must not stop the extension
        log.warning("opik-jupyter: could not instrument the LLM clients", exc_info=True)
        return []
    _instrumented_here = _instrumented_here or not already
    return done
