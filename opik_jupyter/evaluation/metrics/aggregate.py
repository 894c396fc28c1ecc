"""Metrics made of metrics: any aggregation of several (``AggregatedMetric``) and a jury
of judges averaged (``LLMJuriesJudge``). Each sub-metric gets the arguments it names."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ._base import BaseMetric, Metric, ScoreResult, results_of


def _each(metrics: Sequence[Any], arguments: dict[str, Any]) -> list[ScoreResult]:
    """Every sub-metric on the arguments it takes; a failure raises, naming the metric."""
    found: list[ScoreResult] = []
    for metric in metrics:
        wrapped = Metric.of(metric)
        found += results_of(wrapped.call(**wrapped.arguments(arguments, {})), wrapped.name)
    return found


async def _aeach(metrics: Sequence[Any], arguments: dict[str, Any]) -> list[ScoreResult]:
    async def one(metric: Any) -> list[ScoreResult]:
        wrapped = Metric.of(metric)
        given = wrapped.arguments(arguments, {})
        scorer = getattr(metric, "ascore", None)
        returned = (
            await scorer(**given)
            if callable(scorer)
            else await asyncio.to_thread(wrapped.call, **given)
        )
        return results_of(returned, wrapped.name)

    return [r for part in await asyncio.gather(*map(one, metrics)) for r in part]


class AggregatedMetric(BaseMetric):
    """Runs ``metrics`` on the same arguments and lets ``aggregator`` (a function of their
    list of :class:`ScoreResult`) make the one result: a minimum, a weighted mean, a
    pass/fail rule..."""

    kind = "aggregate"

    def __init__(
        self,
        name: str,
        metrics: Sequence[Any],
        aggregator: Callable[[list[ScoreResult]], ScoreResult],
    ) -> None:
        super().__init__(name)
        if not metrics:
            raise ValueError("AggregatedMetric needs at least one metric")
        self.metrics, self.aggregator = list(metrics), aggregator

    def score(self, **arguments: Any) -> ScoreResult:
        return self.aggregator(_each(self.metrics, arguments))

    async def ascore(self, **arguments: Any) -> ScoreResult:
        return self.aggregator(await _aeach(self.metrics, arguments))


class LLMJuriesJudge(BaseMetric):
    """The mean of several judges' scores (each in [0, 1]); ``metadata["judge_scores"]``
    has every vote, by judge name (``name#2`` for a repeated name)."""

    name = "llm_juries_judge"
    kind = "aggregate"
    needs_llm = True

    def __init__(self, judges: Iterable[Any], name: str | None = None) -> None:
        super().__init__(name)
        self.judges = list(judges)
        if not self.judges:
            raise ValueError("LLMJuriesJudge needs at least one judge")

    def _verdict(self, votes: list[ScoreResult]) -> ScoreResult:
        for vote in votes:
            if not 0.0 <= vote.value <= 1.0:
                raise ValueError(f"judge {vote.name} scored {vote.value}, outside [0, 1]")
        keyed: dict[str, float] = {}
        for vote in votes:
            key, n = vote.name, 1
            while key in keyed:
                n += 1
                key = f"{vote.name}#{n}"
            keyed[key] = vote.value
        mean = sum(v.value for v in votes) / len(votes)
        return ScoreResult(
            self.name,
            mean,
            f"mean of {len(votes)} judge scores",
            metadata={"judge_scores": keyed},
        )

    def score(self, **arguments: Any) -> ScoreResult:
        return self._verdict(_each(self.judges, arguments))

    async def ascore(self, **arguments: Any) -> ScoreResult:
        return self._verdict(await _aeach(self.judges, arguments))
