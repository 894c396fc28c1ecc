"""Errors of the SDK that a notebook shows as one line, not as a traceback through our code
and the HTTP stack: the backend cannot be reached (what to do is in the message)."""

from __future__ import annotations

from typing import Any

from ..sdk._transport import TransportError

ONE_LINE = (TransportError,)


def one_line(shell: Any, etype: type, value: BaseException, *_tb: Any, **_offset: Any) -> list[str]:
    """IPython custom exception handler (``tb`` and ``tb_offset`` unused): show ``value``
    as ``Type: message``."""
    lines = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, lines)  # how IPython's own handlers show a traceback
    return lines


def install(shell: Any) -> None:
    """Show backend errors as one line in ``shell``, unless it has its own handler."""
    if not shell.custom_exceptions:
        shell.set_custom_exc(ONE_LINE, one_line)


def uninstall(shell: Any) -> None:
    """Undo :func:`install` (leaves another handler alone)."""
    if shell.custom_exceptions == ONE_LINE:
        shell.set_custom_exc((), None)
