"""Metrics comparing distributions: of words (Jensen-Shannon, Kullback-Leibler) and of
ranks (Spearman). Written here: each is a formula over a word count."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ._base import BaseMetric, ScoreResult

Tokenizer = Callable[[str], Iterable[str]]


def _words(text: str) -> list[str]:
    return text.lower().split()


class _Distribution(BaseMetric):
    """Word distributions of output and reference (``tokenizer``: lower-cased whitespace
    words by default), as probabilities unless ``normalize=False``."""

    kind = "heuristic"

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        normalize: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.tokenizer = tokenizer or _words
        self.normalize = normalize

    def distribution(self, text: Any, which: str) -> dict[str, float]:
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{type(self).__name__}: the {which} is empty (or not text)")
        counts = Counter(self.tokenizer(text))
        if not counts:
            raise ValueError(f"{type(self).__name__}: the {which} has no words")
        total = sum(counts.values()) if self.normalize else 1
        return {word: count / total for word, count in counts.items()}


def js_divergence(p: dict[str, float], q: dict[str, float], base: float) -> float:
    """The Jensen-Shannon divergence of two distributions (rescaled to sum to 1)."""
    p_total, q_total = sum(p.values()), sum(q.values())
    divergence = 0.0
    for word in set(p) | set(q):
        a, b = p.get(word, 0.0) / p_total, q.get(word, 0.0) / q_total
        middle = (a + b) / 2
        divergence += sum(x * math.log(x / middle) for x in (a, b) if x > 0) / 2
    return max(0.0, divergence / math.log(base))


class JSDivergence(_Distribution):
    """``1 - `` the Jensen-Shannon divergence (logarithm ``base`` 2, so in [0, 1]) of the
    output's and the reference's word distributions: 1.0 for the same words in the same
    proportions, 0.0 for no word in common."""

    name = "js_divergence_metric"

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        base: float = 2.0,
        normalize: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(tokenizer, normalize, name)
        if base <= 1.0:
            raise ValueError("base must be greater than 1")
        self.base = base

    def divergence(self, output: Any, reference: Any) -> float:
        return js_divergence(
            self.distribution(output, "output"),
            self.distribution(reference, "reference"),
            self.base,
        )

    def score(self, output: str, reference: str) -> ScoreResult:
        divergence = self.divergence(output, reference)
        value = max(0.0, min(1.0, 1.0 - divergence))
        return ScoreResult(
            self.name,
            value,
            f"Jensen-Shannon similarity {value:.4f} (divergence {divergence:.4f})",
            metadata={"divergence": divergence, "distance": math.sqrt(divergence)},
        )


class JSDistance(JSDivergence):
    """The Jensen-Shannon divergence itself (0.0 for the same word distribution)."""

    name = "js_distance_metric"

    def score(self, output: str, reference: str) -> ScoreResult:
        divergence = self.divergence(output, reference)
        return ScoreResult(
            self.name,
            divergence,
            f"Jensen-Shannon divergence {divergence:.4f}",
            metadata={"distance": math.sqrt(divergence)},
        )


class KLDivergence(_Distribution):
    """The Kullback-Leibler divergence of the output's word distribution from the
    reference's (``direction="pq"``), the reverse (``"qp"``) or their mean (``"avg"``);
    ``smoothing`` is added to every probability so a word missing on one side is finite."""

    name = "kl_divergence_metric"

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        direction: str = "pq",
        normalize: bool = True,
        smoothing: float = 1e-12,
        name: str | None = None,
    ) -> None:
        super().__init__(tokenizer, normalize, name)
        if direction not in ("pq", "qp", "avg"):
            raise ValueError("direction must be 'pq', 'qp' or 'avg'")
        self.direction, self.smoothing = direction, max(0.0, smoothing)

    def _kl(self, p: dict[str, float], q: dict[str, float]) -> float:
        total = 0.0
        for word, value in p.items():
            a, b = value + self.smoothing, q.get(word, 0.0) + self.smoothing
            if b == 0.0:
                raise ValueError(
                    f"{word!r} is missing from the other text, so the divergence is "
                    "infinite without smoothing: give smoothing > 0"
                )
            total += a * math.log(a / b)
        return total

    def score(self, output: str, reference: str) -> ScoreResult:
        p, q = self.distribution(output, "output"), self.distribution(reference, "reference")
        value = {
            "pq": lambda: self._kl(p, q),
            "qp": lambda: self._kl(q, p),
            "avg": lambda: (self._kl(p, q) + self._kl(q, p)) / 2,
        }[self.direction]()
        return ScoreResult(self.name, value, f"KL divergence ({self.direction}): {value:.4f}")


class SpearmanRanking(BaseMetric):
    """Spearman's rank correlation of two rankings of the same items, rescaled from
    [-1, 1] to [0, 1]: 1.0 for the same order, 0.0 for the reverse."""

    name = "spearman_ranking_metric"
    kind = "heuristic"

    def score(self, output: Sequence[Any], reference: Sequence[Any]) -> ScoreResult:
        if len(output) != len(reference) or not output:
            raise ValueError("the rankings must be non-empty and of the same length")
        if len(set(output)) != len(output) or len(set(reference)) != len(reference):
            raise ValueError("a ranking lists an item twice")
        if set(output) != set(reference):
            raise ValueError("the rankings must hold the same items")
        rank = {item: i for i, item in enumerate(reference)}
        n = len(output)
        squares = sum((i - rank[item]) ** 2 for i, item in enumerate(output))
        rho = 1.0 if n == 1 else 1 - 6 * squares / (n * (n * n - 1))
        value = (rho + 1) / 2
        return ScoreResult(
            self.name, value, f"Spearman rho {rho:.4f}, rescaled {value:.4f}", metadata={"rho": rho}
        )
