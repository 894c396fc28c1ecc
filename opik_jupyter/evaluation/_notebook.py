"""The notebook side of ``evaluate()``: a progress bar (tqdm's notebook bar in a notebook,
text elsewhere) and the experiment table and score chart shown when a run ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..widgets import _cell_view

if TYPE_CHECKING:
    from ._result import EvaluationResult


class Progress:
    """A tqdm bar counting finished items and failures (nothing when disabled)."""

    def __init__(self, total: int, description: str, enabled: bool) -> None:
        self.failed = 0
        self._bar: Any = None
        if enabled and total:
            from tqdm.auto import tqdm  # noqa: PLC0415 - tqdm loads only for a run

            self._bar = tqdm(total=total, desc=description, unit="item", dynamic_ncols=True)

    def advance(self, failed: bool) -> None:
        if self._bar is None:
            return
        if failed:
            self.failed += 1
            self._bar.set_postfix(failed=self.failed, refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def display_wanted(display: bool | None) -> bool:
    """``display`` if given; else whether this is a notebook and its views are on
    (``%opik_display``, ``OPIK_JUPYTER_DISPLAY``)."""
    if display is not None:
        return display
    return _cell_view.notebook_shell() is not None and _cell_view.display_enabled()


def show(result: EvaluationResult) -> None:
    """Display the experiment's table and score chart under the running cell."""
    from IPython.display import display  # noqa: PLC0415

    from ._compare import of_result  # noqa: PLC0415
    from .views import ExperimentTable, ScoreChart  # noqa: PLC0415 - loads anywidget

    comparison = of_result(result)
    display(ExperimentTable.from_comparison(comparison), ScoreChart.from_comparison(comparison))
