"""What a metric is: a ``score(**arguments)`` that returns a value (and maybe a reason).

A metric names what it needs by its parameters (``output``, ``reference``, ``input``,
``context``...); :func:`evaluate` passes each item's fields and the task's output under
those names. Plain functions are metrics too, named after the function, and so is any
object with a ``name`` and a ``score`` method (the official ``opik`` metrics included).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any


@dataclasses.dataclass
class ScoreResult:
    """One score of one item: a value (``nan`` when scoring failed) and why."""

    name: str
    value: float
    reason: str | None = None
    error: str | None = None
    """Why the metric could not score the item (then ``value`` is ``nan``)."""
    metadata: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(cls, name: str, error: str) -> ScoreResult:
        return cls(name=name, value=math.nan, error=error)


class MetricArgumentsError(TypeError):
    """A metric needs arguments that neither the item nor the task output has."""

    def __init__(
        self, metric: str, missing: list[str], available: Iterable[str], mapping: Mapping[str, str]
    ) -> None:
        self.metric = metric
        self.missing = missing
        self.available = sorted(available)
        wanted = ", ".join(repr(mapping.get(name, name)) for name in missing)
        super().__init__(
            f"{metric} needs {wanted}, which neither the item nor the task "
            f"output has (they have: {', '.join(self.available) or 'nothing'})"
        )


class BaseMetric:
    """Subclass and define ``score(self, output, ...)`` with the arguments it needs.

    ``score`` returns a number, a bool, a ``(value, reason)`` pair, a dict with
    ``value`` and ``reason``, a :class:`ScoreResult`, or a list of those (several
    scores). Raising marks the item's score as failed, with the message as the error.
    """

    name: str = "metric"
    kind: str = "custom"
    """What the metric is, as :func:`catalogue` lists it."""
    needs_llm: bool = False
    """Whether it calls a judge model."""

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__(**options)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _recording(init)  # type: ignore[method-assign]

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name

    score: Callable[..., Any]
    """``score(self, <the arguments it needs>)``, defined by each subclass; a subclass
    without one is refused by ``evaluate()`` as not a metric."""

    async def ascore(self, *args: Any, **arguments: Any) -> Any:
        """``score`` without blocking the event loop (in a thread, unless the metric has
        an asynchronous implementation of its own)."""
        return await asyncio.to_thread(self.score, *args, **arguments)

    def score_batch(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        mapping: Mapping[str, str] | None = None,
        workers: int = 8,
    ) -> list[ScoreResult]:
        """Score every item (a dict of arguments, extra keys ignored), ``workers`` at a
        time; one result per item, in order. A failing item gets a failed result (its
        ``error`` says why); an item lacking an argument raises before any is scored."""
        from ._batch import score_batch  # noqa: PLC0415 - the pool only when batching

        return score_batch(self, list(items), dict(mapping or {}), workers)

    async def ascore_batch(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        mapping: Mapping[str, str] | None = None,
        concurrency: int = 8,
    ) -> list[ScoreResult]:
        """:meth:`score_batch` on the running event loop, ``concurrency`` at a time."""
        from ._batch import ascore_batch  # noqa: PLC0415

        return await ascore_batch(self, list(items), dict(mapping or {}), concurrency)

    def online_source(self) -> str:
        """Python source defining ``score(**arguments)`` with this metric, for
        ``add_online_rule(metric=...)``: the backend runs it in its sandbox."""
        from ._batch import online_source  # noqa: PLC0415

        return online_source(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _recording(init: Callable[..., None]) -> Callable[..., None]:
    """``__init__`` that keeps the arguments the metric was made with (the outermost
    call's), so :meth:`BaseMetric.online_source` can make it again elsewhere."""

    @functools.wraps(init)
    def recorded(self: BaseMetric, *args: Any, **kwargs: Any) -> None:
        if "_made_with" not in self.__dict__:
            self.__dict__["_made_with"] = (type(self), args, kwargs)
        init(self, *args, **kwargs)

    return recorded


class FunctionMetric(BaseMetric):
    """A plain function used as a metric, named after it."""

    def __init__(self, function: Callable[..., Any], name: str | None = None) -> None:
        super().__init__(name or getattr(function, "__name__", "metric"))
        self.function = function

    def score(self, **arguments: Any) -> Any:
        return self.function(**arguments)


@dataclasses.dataclass(frozen=True)
class Metric:
    """A metric with its signature worked out once: how :func:`evaluate` calls it."""

    name: str
    call: Callable[..., Any]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    takes_any: bool

    @classmethod
    def of(cls, metric: Any) -> Metric:
        """Wrap a metric object, a :class:`BaseMetric` or a plain function."""
        if isinstance(metric, Metric):
            return metric
        if isinstance(metric, FunctionMetric):
            name, call = metric.name, metric.function
        elif callable(getattr(metric, "score", None)):
            name, call = str(getattr(metric, "name", type(metric).__name__)), metric.score
        elif callable(metric):
            name, call = getattr(metric, "__name__", "metric"), metric
        else:
            raise TypeError(
                f"not a metric: {metric!r} (give a function, or an object with a score() method)"
            )
        required, optional, takes_any = _parameters(call)
        return cls(name, call, required, optional, takes_any)

    def arguments(self, inputs: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
        """The keyword arguments of one call, from an item's fields and the task output."""

        def lookup(name: str) -> Any:
            return inputs.get(mapping.get(name, name), _MISSING)

        missing = [name for name in self.required if lookup(name) is _MISSING]
        if missing:
            raise MetricArgumentsError(self.name, missing, inputs, mapping)
        if self.takes_any:
            given = {**inputs, **{n: lookup(n) for n in mapping if lookup(n) is not _MISSING}}
            return {k: v for k, v in given.items() if isinstance(k, str)}
        names = self.required + self.optional
        return {name: value for name in names if (value := lookup(name)) is not _MISSING}

    def score(self, inputs: Mapping[str, Any], mapping: Mapping[str, str]) -> list[ScoreResult]:
        """Call the metric on one item; failures become failed results, never exceptions
        (except :class:`MetricArgumentsError`, which :func:`evaluate` handles itself)."""
        arguments = self.arguments(inputs, mapping)
        try:
            returned = self.call(**arguments)
        except Exception as exc:  # a metric failing fails one score, not the run
            return [ScoreResult.failed(self.name, f"{type(exc).__name__}: {exc}")]
        try:
            return results_of(returned, self.name)
        except (TypeError, ValueError) as exc:
            return [ScoreResult.failed(self.name, str(exc))]


_MISSING: Any = object()
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _parameters(call: Callable[..., Any]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """Required and optional parameter names, and whether it takes ``**kwargs``."""
    try:
        params = list(inspect.signature(call).parameters.values())
    except (TypeError, ValueError):
        return (), (), True
    named = [p for p in params if p.kind in _NAMED]
    required = tuple(p.name for p in named if p.default is p.empty)
    optional = tuple(p.name for p in named if p.default is not p.empty)
    return required, optional, any(p.kind is p.VAR_KEYWORD for p in params)


def results_of(returned: Any, name: str) -> list[ScoreResult]:
    """Normalise what a metric returned into score results (``TypeError`` if unusable)."""
    if isinstance(returned, list | tuple) and returned and not _is_pair(returned):
        return [result for part in returned for result in results_of(part, name)]
    return [_result_of(returned, name)]


def _is_pair(value: list[Any] | tuple[Any, ...]) -> bool:
    return (
        len(value) == 2
        and _number(value[0]) is not None
        and (value[1] is None or isinstance(value[1], str))
    )


def _result_of(value: Any, name: str) -> ScoreResult:
    if isinstance(value, ScoreResult):
        return value
    if isinstance(value, list | tuple) and _is_pair(value):
        return _checked(name, value[0], value[1])
    if isinstance(value, Mapping):
        return _checked(str(value.get("name") or name), value.get("value"), value.get("reason"))
    if hasattr(value, "value") and not isinstance(value, int | float):  # opik's ScoreResult
        if getattr(value, "scoring_failed", False):
            return ScoreResult.failed(
                str(getattr(value, "name", name)),
                str(getattr(value, "reason", "") or "scoring failed"),
            )
        return _checked(
            str(getattr(value, "name", None) or name), value.value, getattr(value, "reason", None)
        )
    return _checked(name, value, None)


def _checked(name: str, value: Any, reason: Any) -> ScoreResult:
    number = _number(value)
    if number is None:
        raise TypeError(
            f"{name} returned {value!r}: a metric must return a number, a bool, "
            "(value, reason), {'value': ..., 'reason': ...} or a ScoreResult"
        )
    return ScoreResult(name=name, value=number, reason=None if reason is None else str(reason))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    try:  # numpy scalars and other number-likes
        number = float(value) if hasattr(value, "__float__") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None
