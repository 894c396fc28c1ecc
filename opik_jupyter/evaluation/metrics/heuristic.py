"""Metrics computed from the text alone: exact and partial matches, JSON, edit distance,
BLEU and ROUGE-L. Each returns a value in [0, 1] and a short reason.

The names of the first five match the official ``opik`` metrics (``equals_metric``...), so
scores from either SDK land under the same name.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import _text
from ._base import BaseMetric, ScoreResult


def as_text(value: Any) -> str:
    """A value as the text a metric compares: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


class _TextMetric(BaseMetric):
    """A metric comparing the output's text with a reference's, maybe ignoring case."""

    def __init__(self, case_sensitive: bool = False, name: str | None = None) -> None:
        super().__init__(name)
        self.case_sensitive = case_sensitive

    def texts(self, output: Any, reference: Any) -> tuple[str, str]:
        pair = as_text(output), as_text(reference)
        return pair if self.case_sensitive else (pair[0].casefold(), pair[1].casefold())


class Equals(_TextMetric):
    """1.0 when the output equals the reference (ignoring case unless ``case_sensitive``)."""

    name = "equals_metric"

    def score(self, output: Any, reference: Any) -> ScoreResult:
        text, wanted = self.texts(output, reference)
        return ScoreResult(
            self.name, float(text == wanted), "equal" if text == wanted else "different"
        )


class Contains(_TextMetric):
    """1.0 when the reference occurs in the output (given here or per item)."""

    name = "contains_metric"

    def __init__(
        self, reference: str | None = None, case_sensitive: bool = False, name: str | None = None
    ) -> None:
        super().__init__(case_sensitive, name)
        self.reference = reference

    def score(self, output: Any, reference: Any = None) -> ScoreResult:
        given = reference if reference is not None else self.reference
        if given is None:
            raise ValueError(
                "no reference: give Contains(reference=...) or a 'reference' in the item"
            )
        text, wanted = self.texts(output, given)
        verb = "contains" if wanted in text else "does not contain"
        return ScoreResult(self.name, float(wanted in text), f"{verb} {as_text(given)!r}")


class RegexMatch(BaseMetric):
    """1.0 when the regular expression matches somewhere in the output."""

    name = "regex_match_metric"

    def __init__(self, regex: str, flags: int = 0, name: str | None = None) -> None:
        super().__init__(name)
        self.pattern = re.compile(regex, flags)

    def score(self, output: Any) -> ScoreResult:
        found = self.pattern.search(as_text(output))
        reason = (
            f"matched {found.group(0)!r}" if found else f"no match for {self.pattern.pattern!r}"
        )
        return ScoreResult(self.name, float(found is not None), reason)


class IsJson(BaseMetric):
    """1.0 when the output is JSON (a string that parses, or already a dict or list)."""

    name = "is_json_metric"

    def score(self, output: Any) -> ScoreResult:
        if isinstance(output, dict | list):
            return ScoreResult(self.name, 1.0, "already structured")
        try:
            json.loads(as_text(output))
        except ValueError as exc:
            return ScoreResult(self.name, 0.0, f"not JSON: {exc}")
        return ScoreResult(self.name, 1.0, "valid JSON")


class LevenshteinRatio(_TextMetric):
    """``1 - edit distance / length of the longer text``, from 0.0 (disjoint) to 1.0
    (ignoring case unless ``case_sensitive``)."""

    name = "levenshtein_ratio_metric"

    def score(self, output: Any, reference: Any) -> ScoreResult:
        a, b = self.texts(output, reference)
        distance = _text.levenshtein(a, b)
        value = _text.levenshtein_ratio(a, b)
        return ScoreResult(
            self.name, value, f"{distance} edits over {max(len(a), len(b))} characters"
        )


class SentenceBLEU(BaseMetric):
    """Sentence BLEU (up to 4-grams, smoothed) of the output against one or more
    references. Short texts score low even when right: prefer it for longer outputs."""

    name = "sentence_bleu_metric"

    def __init__(self, max_n: int = 4, name: str | None = None) -> None:
        super().__init__(name)
        self.max_n = max_n

    def score(self, output: Any, reference: Any) -> ScoreResult:
        references = reference if isinstance(reference, list | tuple) else [reference]
        value = _text.bleu(
            _text.tokens(as_text(output)),
            [_text.tokens(as_text(r)) for r in references],
            self.max_n,
        )
        return ScoreResult(
            self.name, value, f"BLEU-{self.max_n} against {len(references)} reference(s)"
        )


class RougeL(BaseMetric):
    """ROUGE-L F1: the longest common word subsequence of output and reference."""

    name = "rouge_l_metric"

    def score(self, output: Any, reference: Any) -> ScoreResult:
        candidate, target = _text.words(as_text(output)), _text.words(as_text(reference))
        value, common = _text.rouge_l(candidate, target)
        return ScoreResult(
            self.name,
            value,
            f"{common} words in common order "
            f"({len(candidate)} in the output, {len(target)} in the reference)",
        )
