"""The magics of ``%load_ext opik_jupyter`` (parsed with ``@magic_arguments``)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..sdk import configure
from ..sdk._config import current as current_config
from ..sdk._prompts import PromptNotFound
from ..widgets import _cell_view
from ._cells import MAGIC, CellOptions, CellTracer
from ._status import StatusReport, status_report


class Said(str):
    """What a line magic answers: shown as its text, not as a quoted Python string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # noqa: ARG002 - IPython's hook
        printer.text(str(self))


def _on_off(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("on", "off"):
        raise UsageError(f"expected on or off, got {text!r}")
    return value == "on"


@magics_class
class OpikMagics(Magics):
    """``%%opik_track``, ``%opik_project``, ``%opik_status``, ``%opik_track_all``,
    ``%opik_display`` and ``%opik_prompt``."""

    def __init__(self, shell: Any, tracer: CellTracer) -> None:
        super().__init__(shell)
        self.tracer = tracer

    @magic_arguments()
    @argument("--name", help="name of the trace (default: 'In [N]: ' and the first line)")
    @argument("--project", help="project of the trace (default: the configured project)")
    @argument("--tags", default="", help="comma-separated tags, e.g. --tags eval,prod")
    @argument("--thread", help="thread id: traces sharing it form a conversation")
    @argument("--no-display", action="store_true", help="do not show the trace tree under the cell")
    @cell_magic
    def opik_track(self, line: str, cell: str) -> None:
        """Run the cell as a trace whose root is the cell.

        Every ``@track`` function, integration and LLM client call made in the cell
        becomes a span under it. The trace records the source, the last expression's
        value and the printed output, the notebook path, cell id, execution count and
        kernel id, and any error (which still shows as usual). The span tree appears
        under the cell and grows while the cell runs (``--no-display`` or
        ``%opik_display off`` to hide it).
        """
        parse_track_line(line)  # a bad line raises UsageError here
        if self.shell is None:
            raise UsageError("%%opik_track runs in an IPython shell")
        # Normally the cell never gets here: an input transformer runs it as an ordinary
        # cell traced by the hooks. Called directly (run_cell_magic), run it that way.
        self.shell.run_cell(f"%%{MAGIC} {line}\n{cell}", store_history=False)

    @magic_arguments()
    @argument("name", nargs="?", help="the project new traces go to")
    @line_magic
    def opik_project(self, line: str) -> Said:
        """Set the project of the traces made from now on (without a name: show it)."""
        args = parse_argstring(self.opik_project, line)
        if args.name:
            configure(project=args.name.strip("\"'"))
        return Said(current_config().project)

    @line_magic
    def opik_status(self, line: str) -> StatusReport:  # noqa: ARG002 - takes no arguments
        """Backend URL and health, and the events of this kernel: queued, sent, retrying,
        spilled, dropped."""
        return status_report()

    @magic_arguments()
    @argument("state", nargs="?", help="on or off (without it: show the state)")
    @line_magic
    def opik_track_all(self, line: str) -> Said:
        """Trace every cell (``on``) or only ``%%opik_track`` cells (``off``).

        Cells holding only magics or shell commands are skipped. A cell's tree is shown
        after it ends, if the cell made spans.
        """
        args = parse_argstring(self.opik_track_all, line)
        if args.state:
            self.tracer.track_all = _on_off(args.state)
        return Said(f"tracing every cell: {'on' if self.tracer.track_all else 'off'}")

    @magic_arguments()
    @argument("state", nargs="?", help="on or off (without it: show the state)")
    @line_magic
    def opik_display(self, line: str) -> Said:
        """Show trace trees under traced cells and ``evaluate()``'s views (``on``) or not
        (``off``).

        The default comes from ``OPIK_JUPYTER_DISPLAY`` (``0`` turns it off).
        """
        args = parse_argstring(self.opik_display, line)
        if args.state:
            _cell_view.set_display(_on_off(args.state))
        return Said(f"inline trace display: {'on' if _cell_view.display_enabled() else 'off'}")

    @magic_arguments()
    @argument("name", help="the prompt's name (quoted if it has spaces)")
    @line_magic
    def opik_prompt(self, line: str) -> Any:
        """Show a prompt's history: its versions, a diff of any two, and the experiments
        that used each version with their scores."""
        args = parse_argstring(self.opik_prompt, line)
        from ..widgets.prompt_history import PromptHistory  # noqa: PLC0415 - anywidget on use

        try:
            return PromptHistory(args.name.strip("\"'"))
        except PromptNotFound as exc:
            raise UsageError(str(exc)) from None


def parse_track_line(line: str) -> CellOptions:
    """The options of a ``%%opik_track`` line; raises ``UsageError`` when they are wrong."""
    args = parse_argstring(OpikMagics.opik_track, line)
    tags = tuple(tag.strip() for tag in args.tags.split(",") if tag.strip())
    return CellOptions(
        name=args.name,
        project=args.project,
        tags=tags,
        thread=args.thread,
        display=not args.no_display,
    )
