"""A traced call's arguments, kept as given on the calling thread and bound to parameter
names only when something reads them (the sender, the live view, ``to_dict()``)."""

from __future__ import annotations

import inspect
from typing import Any


class Binder:
    """Maps a function's call arguments to parameter names (precomputed per function)."""

    __slots__ = ("defaults", "names", "signature", "simple")

    def __init__(self, signature: inspect.Signature | None) -> None:
        self.signature = signature
        params = list(signature.parameters.values()) if signature is not None else []
        self.simple = signature is not None and all(
            p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params
        )
        self.names = tuple(p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD)
        self.defaults = {p.name: p.default for p in params if p.default is not p.empty}

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """``{parameter: value}`` with defaults filled in, leaving out ``self`` and ``cls``."""
        if self.simple and len(args) <= len(self.names):
            out = {**self.defaults, **dict(zip(self.names, args, strict=False)), **kwargs}
        else:
            out = self._bind_slow(args, kwargs)
        if "self" in out or "cls" in out:
            out.pop("self", None)
            out.pop("cls", None)
        return out

    def _bind_slow(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.signature is None:
            return {"args": list(args), "kwargs": kwargs}
        try:
            bound = self.signature.bind_partial(*args, **kwargs)
        except TypeError:
            return {"args": list(args), "kwargs": kwargs}
        bound.apply_defaults()
        out: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            if self.signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                out.update(value)
            else:
                out[name] = value
        return out


class CallArgs:
    """A call's arguments, bound to parameter names only when serialised (once)."""

    __slots__ = ("_bound", "args", "binder", "kwargs")

    def __init__(self, binder: Binder, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.binder = binder
        self.args = args
        self.kwargs = kwargs
        self._bound: dict[str, Any] | None = None

    def bind(self) -> dict[str, Any]:
        if self._bound is None:
            self._bound = self.binder.bind(self.args, self.kwargs)
        return self._bound


def bound(value: Any) -> Any:
    """A call's arguments (:class:`CallArgs`) as ``{parameter: value}``; anything else as is."""
    return value.bind() if type(value) is CallArgs else value
