"""Reference-overlap metrics of machine translation and summarisation: BLEU (sentence and
corpus), GLEU, chrF, METEOR (``nltk``) and ROUGE (``rouge-score``), computed as the
official ``opik`` metrics compute them (same tokenisation, smoothing and defaults), so the
values agree. The libraries load with the first metric made, not with this module.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ._base import BaseMetric, ScoreResult
from ._nltk_data import wordnet
from .heuristic import require


def _candidate(output: Any, metric: str) -> str:
    if not isinstance(output, str) or not output.strip():
        raise ValueError(f"{metric}: the output is empty (or not text)")
    return output


def _references(reference: Any, metric: str) -> list[str]:
    """One reference or several, each non-empty text."""
    found = [reference] if isinstance(reference, str) else list(reference or [])
    if not found or any(not isinstance(r, str) or not r.strip() for r in found):
        raise ValueError(f"{metric}: the reference is empty (give text or a list of texts)")
    return found


class _Overlap(BaseMetric):
    kind = "heuristic"


class _BLEU(_Overlap):
    """Shared settings of the BLEU metrics: n-gram order, weights, nltk's smoothing."""

    def __init__(
        self,
        n_grams: int = 4,
        smoothing_method: str = "method1",
        weights: Sequence[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if isinstance(n_grams, bool) or not isinstance(n_grams, int) or n_grams < 1:
            raise ValueError(f"n_grams must be an integer of at least 1, not {n_grams!r}")
        if weights is not None and len(weights) != n_grams:
            raise ValueError(f"{len(weights)} weights for {n_grams} n-gram orders")
        if weights is not None and abs(sum(weights) - 1.0) > 1e-6:
            raise ValueError("the weights must sum to 1")
        self._bleu = require("nltk.translate.bleu_score", type(self).__name__, "nltk")
        smoother = self._bleu.SmoothingFunction()
        self.smoothing = getattr(smoother, smoothing_method, smoother.method0)
        self.smoothing_method = smoothing_method
        self.weights = list(weights or [1.0 / n_grams] * n_grams)

    def _weights(self, longest: int) -> tuple[float, ...]:
        """Only the orders a candidate this long has, renormalised."""
        used = self.weights[: min(len(self.weights), longest)]
        total = sum(used) or 1.0
        return tuple(w / total for w in used)

    def _compute(self, function: Any, *arguments: Any, longest: int) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "0 counts of n-gram overlaps"
            try:
                return float(
                    function(
                        *arguments,
                        weights=self._weights(longest),
                        smoothing_function=self.smoothing,
                    )
                )
            except ZeroDivisionError:
                return 0.0


class SentenceBLEU(_BLEU):
    """BLEU of one output against one or more references: lower-cased whitespace tokens,
    n-grams up to ``n_grams`` (the orders the output is long enough for), ``nltk``'s
    ``smoothing_method``. Short outputs score low even when right."""

    name = "sentence_bleu_metric"

    def score(self, output: str, reference: str | list[str]) -> ScoreResult:
        candidate = _candidate(output, "SentenceBLEU").lower().split()
        references = [r.lower().split() for r in _references(reference, "SentenceBLEU")]
        value = self._compute(
            self._bleu.sentence_bleu, references, candidate, longest=len(candidate)
        )
        return ScoreResult(
            self.name, value, f"sentence BLEU ({self.smoothing_method}): {value:.4f}"
        )


class CorpusBLEU(_BLEU):
    """BLEU of a list of outputs against their references (each a text or a list of
    texts), counted over the whole corpus rather than averaged per sentence."""

    name = "corpus_bleu_metric"

    def score(self, output: list[str], reference: list[str | list[str]]) -> ScoreResult:
        if not output or len(output) != len(reference):
            raise ValueError(
                f"CorpusBLEU needs as many references as outputs, and some: "
                f"{len(output or [])} outputs, {len(reference or [])} references"
            )
        candidates = [_candidate(o, "CorpusBLEU").lower().split() for o in output]
        references = [
            [r.lower().split() for r in _references(ref, "CorpusBLEU")] for ref in reference
        ]
        value = self._compute(
            self._bleu.corpus_bleu,
            references,
            candidates,
            longest=max(len(c) for c in candidates),
        )
        return ScoreResult(
            self.name,
            value,
            f"corpus BLEU over {len(output)} outputs ({self.smoothing_method}): {value:.4f}",
        )


class GLEU(_Overlap):
    """Google-BLEU of the output against the references (whitespace tokens, case kept):
    the smaller of n-gram precision and recall for n from ``min_len`` to ``max_len``."""

    name = "gleu_metric"

    def __init__(self, min_len: int = 1, max_len: int = 4, name: str | None = None) -> None:
        super().__init__(name)
        if not 0 < min_len <= max_len:
            raise ValueError("min_len and max_len must be positive, min_len <= max_len")
        self.min_len, self.max_len = min_len, max_len
        self._gleu = require("nltk.translate.gleu_score", "GLEU", "nltk")

    def score(self, output: str, reference: str | list[str]) -> ScoreResult:
        candidate = _candidate(output, "GLEU").split()
        references = [r.split() for r in _references(reference, "GLEU")]
        value = float(
            self._gleu.sentence_gleu(
                references, candidate, min_len=self.min_len, max_len=self.max_len
            )
        )
        return ScoreResult(self.name, value, f"GLEU: {value:.4f}")


class ChrF(_Overlap):
    """Character n-gram F-score (chrF) of the output against the best-matching reference:
    n-grams up to ``char_order`` characters, recall weighted ``beta`` times precision."""

    name = "chrf_metric"

    def __init__(
        self,
        beta: float = 2.0,
        ignore_whitespace: bool = True,
        char_order: int = 6,
        word_order: int = 0,
        lowercase: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if isinstance(beta, bool) or not isinstance(beta, int | float):
            raise ValueError(f"beta must be a number, not {beta!r}")
        if isinstance(char_order, bool) or not isinstance(char_order, int) or char_order < 1:
            raise ValueError(f"char_order must be an integer of at least 1, not {char_order!r}")
        if word_order:
            raise ValueError("word_order (chrF++) is not supported: leave it at 0")
        self.beta, self.char_order = float(beta), char_order
        self.ignore_whitespace, self.lowercase = ignore_whitespace, lowercase
        self._chrf = require("nltk.translate.chrf_score", "ChrF", "nltk")

    def score(self, output: str, reference: str | list[str]) -> ScoreResult:
        candidate = _candidate(output, "ChrF")
        references = _references(reference, "ChrF")
        if self.lowercase:
            candidate, references = candidate.lower(), [r.lower() for r in references]
        value = max(
            float(
                self._chrf.sentence_chrf(
                    ref,
                    candidate,
                    max_len=self.char_order,
                    beta=self.beta,
                    ignore_whitespace=self.ignore_whitespace,
                )
            )
            for ref in references
        )
        return ScoreResult(self.name, value, f"chrF: {value:.4f}")


class METEOR(_Overlap):
    """METEOR of the output against the references (whitespace tokens): unigrams aligned
    exactly, then by stem, then as WordNet synonyms, with a fragmentation penalty.
    ``alpha`` weighs precision against recall, ``beta`` and ``gamma`` shape the penalty.
    Needs WordNet 3.0 (``wordnet_dir=``, or see ``docs/evaluation.md``)."""

    name = "meteor_metric"

    def __init__(
        self,
        alpha: float = 0.9,
        beta: float = 3.0,
        gamma: float = 0.5,
        wordnet_dir: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.alpha, self.beta, self.gamma = alpha, beta, gamma
        self._meteor = require("nltk.translate.meteor_score", "METEOR", "nltk")
        self._wordnet = wordnet(wordnet_dir)

    def score(self, output: str, reference: str | list[str]) -> ScoreResult:
        candidate = _candidate(output, "METEOR").split()
        references = [r.split() for r in _references(reference, "METEOR")]
        value = float(
            self._meteor.meteor_score(
                references,
                candidate,
                alpha=self.alpha,
                beta=self.beta,
                gamma=self.gamma,
                wordnet=self._wordnet,
            )
        )
        return ScoreResult(self.name, value, f"METEOR: {value:.4f}")


class ROUGE(_Overlap):
    """ROUGE F1 of the output against the best reference (``rouge-score``, lower-cased):
    ``rouge_type`` ``rouge1`` (words), ``rouge2`` (word pairs), ``rougeL`` (longest common
    subsequence) or ``rougeLsum`` (the same per line)."""

    name = "rouge_metric"
    _TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")

    def __init__(
        self,
        rouge_type: str = "rouge1",
        use_stemmer: bool = False,
        split_summaries: bool = False,
        tokenizer: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if rouge_type not in self._TYPES:
            raise ValueError(f"rouge_type {rouge_type!r} is not one of {', '.join(self._TYPES)}")
        self.rouge_type = rouge_type
        scorer = require("rouge_score.rouge_scorer", "ROUGE", "rouge-score")
        self._scorer = scorer.RougeScorer(
            [rouge_type],
            use_stemmer=use_stemmer,
            split_summaries=split_summaries,
            tokenizer=tokenizer,
        )

    def score(self, output: str, reference: str | list[str]) -> ScoreResult:
        found = self._scorer.score_multi(
            _references(reference, "ROUGE"), _candidate(output, "ROUGE")
        )
        value = float(found[self.rouge_type].fmeasure)
        return ScoreResult(self.name, value, f"{self.rouge_type} F1: {value:.4f}")


class RougeL(ROUGE):
    """ROUGE-L F1 (:class:`ROUGE` with ``rouge_type="rougeL"``) under its own name."""

    name = "rouge_l_metric"

    def __init__(
        self, use_stemmer: bool = False, tokenizer: Any = None, name: str | None = None
    ) -> None:
        super().__init__("rougeL", use_stemmer, tokenizer=tokenizer, name=name)
