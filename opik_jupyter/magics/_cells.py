"""Tracing notebook cells: a ``%%opik_track`` cell (or, with ``%opik_track_all on``, every
cell) runs as a trace whose root is the cell.

The cell runs through IPython's normal machinery, unchanged. An input transformer blanks
the ``%%opik_track`` line (so line numbers stay right) and IPython runs the rest as an
ordinary cell: top-level ``await``, ``%magics``, the display of the last expression and
the traceback of an error are what they would be without the magic, with no frame of ours.
The ``pre_run_cell`` hook opens the trace with the SDK's ``start_trace`` (so every
``@track`` function, integration and LLM call of the cell nests under it) and tees
``sys.stdout``; ``post_run_cell`` records the result, the output and any error, closes
it, and hands every event traced so far to the sender at once (no linger), so that a
kernel killed right after a cell loses as little as possible.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import IPython

from ..sdk import Trace, _state, start_trace
from ..widgets import _cell_view
from ._tee import Tee

log = logging.getLogger("opik_jupyter")

MAGIC = "opik_track"
MAX_OUTPUT_CHARS = 10_000
"""Characters of the last expression's text and of the captured stdout kept per cell."""
_MAGIC_LINE = re.compile(rf"^%%{MAGIC}(?:[ \t]+(?P<args>.*))?[ \t]*\r?\n?$")
_IPYTHON_DIR = str(Path(IPython.__file__).parent)
_MAX_NAME_CODE = 60
_COUNTS_BEFORE_HOOK = IPython.version_info[0] >= 9
"""IPython 9 counts a cell before ``pre_run_cell``; earlier versions after it."""


@dataclasses.dataclass(frozen=True)
class CellOptions:
    """How one cell is traced (from the ``%%opik_track`` line, or the defaults)."""

    name: str | None = None
    project: str | None = None
    tags: tuple[str, ...] = ()
    thread: str | None = None
    display: bool = True
    explicit: bool = True
    """True for ``%%opik_track`` cells, False for cells traced by ``%opik_track_all``."""


@dataclasses.dataclass
class _OpenCell:
    context: Any  # the start_trace context manager, entered
    trace: Trace
    tee: Tee
    options: CellOptions
    count: int
    view: _cell_view.CellView | None = None


def magic_line(raw_cell: str) -> tuple[str, str] | None:
    """``(arguments, body)`` of a cell starting with ``%%opik_track``, else None."""
    text = raw_cell.lstrip("\r\n")
    first, _, body = text.partition("\n")
    match = _MAGIC_LINE.match(first)
    if match is None:
        return None
    return (match.group("args") or "").strip(), body


def magics_only(source: str) -> bool:
    """Whether a cell holds nothing but line magics, shell escapes, comments and blanks."""
    lines = [line.strip() for line in source.splitlines()]
    return all(not line or line.startswith(("%", "!", "#")) for line in lines)


class CellTracer:
    """The IPython hooks and the input transformer that turn cells into traces."""

    def __init__(self, shell: Any, parse: Callable[[str], CellOptions]) -> None:
        self.shell = shell
        self.parse = parse
        self.track_all = False
        self.kernel_id = kernel_id()
        self._open: dict[int, tuple[Any, _OpenCell]] = {}

    # -- registration ---------------------------------------------------------------------

    def register(self) -> None:
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        self.shell.input_transformers_cleanup.append(self.transform)

    def unregister(self) -> None:
        self.shell.events.unregister("pre_run_cell", self.pre_run_cell)
        self.shell.events.unregister("post_run_cell", self.post_run_cell)
        if self.transform in self.shell.input_transformers_cleanup:
            self.shell.input_transformers_cleanup.remove(self.transform)

    # -- which cells ----------------------------------------------------------------------

    def transform(self, lines: list[str]) -> list[str]:
        """Blank a leading ``%%opik_track`` line whose arguments parse (line numbers stay).

        With bad arguments the line stays, so IPython calls the magic, which reports them.
        """
        if lines and lines[0].startswith(f"%%{MAGIC}") and self._explicit(lines[0]):
            return ["\n", *lines[1:]]
        return lines

    def _explicit(self, raw_cell: str) -> CellOptions | None:
        found = magic_line(raw_cell)
        if found is None:
            return None
        try:
            return self.parse(found[0])
        except Exception:  # reported by the magic itself, which IPython then calls
            return None

    def options_for(self, raw_cell: str, store_history: bool) -> CellOptions | None:
        """How to trace this cell, or None to leave it alone."""
        explicit = self._explicit(raw_cell)
        if explicit is not None:
            return explicit
        if self.track_all and store_history and not magics_only(raw_cell):
            return CellOptions(explicit=False)
        return None

    # -- the hooks ------------------------------------------------------------------------

    def pre_run_cell(self, info: Any) -> None:
        """Open the cell's trace (never raises: a failure leaves the cell untraced)."""
        try:
            options = self.options_for(info.raw_cell, info.store_history)
            if options is not None:
                self._open[id(info)] = (info, self._start(info, options))
        except Exception:  # tracing must not break the cell
            log.warning("opik-jupyter: could not trace this cell", exc_info=True)

    def post_run_cell(self, result: Any) -> None:
        """Record the cell's result, output and error, and close its trace."""
        if result is None:  # ipykernel interrupted an async cell: no result at all
            cells = [(cell, _interrupted(info)) for info, cell in self._open.values()]
            self._open.clear()
        else:
            found = self._open.pop(id(result.info), None)
            cells = [(found[1], result)] if found is not None else []
        for cell, outcome in cells:
            try:
                self._finish(cell, outcome)
            except Exception:  # tracing must not break the cell
                log.warning("opik-jupyter: could not finish the trace of a cell", exc_info=True)
        _state.hand_off()  # the cell's events leave now, not after the sender's linger

    def _start(self, info: Any, options: CellOptions) -> _OpenCell:
        found = magic_line(info.raw_cell)
        source = found[1] if found is not None else info.raw_cell
        count = self.shell.execution_count
        if info.store_history and _COUNTS_BEFORE_HOOK:
            count -= 1
        context = start_trace(
            options.name or default_name(count, source),
            input={"source": source},
            metadata=self.metadata(info, count, options),
            tags=list(options.tags) or None,
            thread_id=options.thread,
            project_name=options.project,
        )
        trace = context.__enter__()
        cell = _OpenCell(context, trace, Tee(sys.stdout, MAX_OUTPUT_CHARS), options, count)
        if _cell_view.display_enabled() and options.display:
            try:
                cell.view = _cell_view.CellView(trace, now=options.explicit)
            except Exception:  # no tree, but the cell is still traced
                log.warning("opik-jupyter: could not show the trace tree", exc_info=True)
        sys.stdout = cell.tee
        return cell

    def _finish(self, cell: _OpenCell, result: Any) -> None:
        if sys.stdout is cell.tee:
            sys.stdout = cell.tee.stream
        error = result.error_before_exec or result.error_in_exec
        if result.execution_count is not None and result.execution_count != cell.count:
            self._recount(cell, result.execution_count)
        cell.trace.update(
            output=self.output(result.result, cell.tee),
            error_info=error_info_of(error) if error is not None else None,
        )
        cell.context.__exit__(None, None, None)
        if cell.view is not None:
            cell.view.finish()

    def _recount(self, cell: _OpenCell, count: int) -> None:
        """Correct the execution count guessed at the start (and the name made from it)."""
        name = None if cell.options.name else default_name(count, cell.trace.input["source"])
        cell.trace.update(name=name, metadata={"execution_count": count})
        cell.count = count

    # -- what is recorded -----------------------------------------------------------------

    def metadata(self, info: Any, count: int, options: CellOptions) -> dict[str, Any]:
        """Where the cell is: notebook path, cell id, execution count, kernel id."""
        return {
            "notebook_path": notebook_path(self.shell),
            "cell_id": getattr(info, "cell_id", None),
            "execution_count": count,
            "kernel_id": self.kernel_id,
            "traced_by": f"%%{MAGIC}" if options.explicit else "%opik_track_all",
        }

    def output(self, value: Any, tee: Tee) -> dict[str, Any]:
        """The last expression's text (as IPython shows it) and the captured stdout."""
        return {"result": None if value is None else self.text_of(value), "stdout": tee.text()}

    def text_of(self, value: Any) -> str:
        try:
            text = self.shell.display_formatter.formatters["text/plain"](value)
        except Exception:  # a broken repr must not break tracing
            text = f"<{type(value).__name__} object (repr failed)>"
        return cut(str(text), MAX_OUTPUT_CHARS)


def _interrupted(info: Any) -> Any:
    """What ``post_run_cell`` would have been given for a cell stopped by an interrupt."""
    return types.SimpleNamespace(
        info=info,
        result=None,
        execution_count=None,
        error_before_exec=None,
        error_in_exec=KeyboardInterrupt(),
    )


def default_name(count: int, source: str) -> str:
    """``In [7]: first line of code`` (cut), or ``In [7]``."""
    for line in source.splitlines():
        code = line.strip()
        if code and not code.startswith("#"):
            if len(code) > _MAX_NAME_CODE:
                code = code[:_MAX_NAME_CODE] + "…"
            return f"In [{count}]: {code}"
    return f"In [{count}]"


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[truncated by opik-jupyter: {len(text) - limit} more characters]"


def error_info_of(error: BaseException) -> dict[str, str]:
    """The error as the SDK records it, its traceback starting at the user's code."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_IPYTHON_DIR):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(error), error, tb))
    return {"exception_type": type(error).__name__, "message": _message(error), "traceback": text}


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # a broken __str__ still gets recorded
        return f"<{type(error).__name__} (str failed)>"


def notebook_path(shell: Any) -> str | None:
    """The notebook's path, best effort: VS Code's variable, then jupyter_server's env var."""
    path = shell.user_ns.get("__vsc_ipynb_file__") or os.environ.get("JPY_SESSION_NAME")
    return str(path) if path else None


def kernel_id() -> str | None:
    """The kernel's id, from its connection file name (None outside a kernel)."""
    try:
        from ipykernel.connect import get_connection_file  # noqa: PLC0415

        path = get_connection_file()
    except Exception:  # not in a kernel
        return None
    match = re.search(r"kernel-([^/\\]+)\.json$", str(path))
    return match.group(1) if match else None
