"""Showing a widget under the running cell, and updating it in place, cheaply.

Both go straight to the display publisher with the widget's MIME bundle (IPython's display
formatters would only find the same ``_repr_mimebundle_``, more slowly), and skip
ipykernel's flush of stdout and stderr before each display message (a round trip to its IO
thread each): the tree needs no ordering against the cell's printed text, as it is shown
before the cell's code runs and later only updated in place.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


def show(widget: Any) -> Any:
    """Show ``widget`` (as ``display(widget, display_id=True)`` would) and return its
    handle."""
    from IPython.display import DisplayHandle  # noqa: PLC0415

    handle = DisplayHandle()
    _publish(widget, handle.display_id, replace=False)
    return handle


def update(handle: Any, widget: Any) -> None:
    """Replace what ``handle`` shows with ``widget``'s bundle now."""
    _publish(widget, handle.display_id, replace=True)


def _publish(widget: Any, display_id: str, replace: bool) -> None:
    from IPython import get_ipython  # noqa: PLC0415

    shell = get_ipython()
    bundle = widget._repr_mimebundle_()
    if shell is None or bundle is None:
        return
    data, metadata = bundle
    with _streams_not_flushed():
        shell.display_pub.publish(
            data=data, metadata=metadata, transient={"display_id": display_id}, update=replace
        )


@contextlib.contextmanager
def _streams_not_flushed() -> Iterator[None]:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _NoFlush(streams[0]), _NoFlush(streams[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = streams


class _NoFlush:
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def flush(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
