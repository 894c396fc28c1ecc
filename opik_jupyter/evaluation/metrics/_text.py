"""Text algorithms behind the heuristic metrics: tokens, edit distance, n-grams and LCS.

Written here (standard library only) rather than pulled from NLP packages: each is a few
lines, and the metrics must not bring ``nltk`` or ``rouge-score`` into a notebook kernel.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased words and punctuation marks (BLEU's tokens)."""
    return _TOKEN.findall(text.lower())


def words(text: str) -> list[str]:
    """Lower-cased words without punctuation (ROUGE's tokens)."""
    return _WORD.findall(text.lower())


def levenshtein(a: Sequence[object], b: Sequence[object]) -> int:
    """The edit distance (insertions, deletions, substitutions) between two sequences."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            )
        previous = current
    return previous[-1]


def levenshtein_ratio(a: str, b: str) -> float:
    """``1 - distance / length of the longer text``: 1.0 for equal texts, 0.0 for disjoint."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - levenshtein(a, b) / longest


def ngrams(items: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(items[i : i + n]) for i in range(len(items) - n + 1))


def bleu(
    candidate: Sequence[str],
    references: Sequence[Sequence[str]],
    max_n: int = 4,
    epsilon: float = 0.1,
) -> float:
    """Sentence BLEU with uniform weights, the brevity penalty, and smoothing method 1 of
    Chen & Cherry (2014): an n-gram order with no match counts ``epsilon`` matches."""
    if not candidate or not any(references):
        return 0.0
    log_sum = 0.0
    for n in range(1, max_n + 1):
        found = ngrams(candidate, n)
        best: Counter[tuple[str, ...]] = Counter()
        for reference in references:
            best |= ngrams(reference, n)
        matched = sum(min(count, best[gram]) for gram, count in found.items())
        log_sum += math.log((matched or epsilon) / max(1, sum(found.values())))
    return _brevity(candidate, references) * math.exp(log_sum / max_n)


def _brevity(candidate: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """1 for a candidate at least as long as the closest reference, else exp(1 - r/c)."""
    length = len(candidate)
    closest = min((len(r) for r in references), key=lambda r: (abs(r - length), r))
    return 1.0 if length >= closest else math.exp(1 - closest / length)


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """The length of the longest common subsequence."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for left in a:
        current = [0]
        for j, right in enumerate(b, 1):
            current.append(
                previous[j - 1] + 1 if left == right else max(previous[j], current[j - 1])
            )
        previous = current
    return previous[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> tuple[float, int]:
    """ROUGE-L F1 (the harmonic mean of LCS precision and recall), and the LCS length."""
    if not candidate or not reference:
        return 0.0, 0
    common = lcs_length(candidate, reference)
    if common == 0:
        return 0.0, 0
    precision, recall = common / len(candidate), common / len(reference)
    return 2 * precision * recall / (precision + recall), common
