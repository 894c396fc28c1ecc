"""Conversation metrics: they score a whole thread, given as ``conversation``, a list of
``{"role": "user" | "assistant", "content": ...}`` messages (an assistant message may
carry ``context``, the documents it was grounded on). This module has their shared parts
(turns and sliding windows) and the two heuristic ones; the judges are in
``conversation_judges``, reading threads from the backend in ``threads``.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ._base import BaseMetric, ScoreResult
from .heuristic import as_text

Conversation = Sequence[Mapping[str, Any]]


class ConversationThreadMetric(BaseMetric):
    """Base of the metrics of a thread: ``score(conversation)``."""

    kind = "conversation"

    def score(self, conversation: Conversation) -> ScoreResult:
        raise NotImplementedError


def content_of(message: Mapping[str, Any]) -> str:
    """A message's text (a list of content parts has its text parts joined)."""
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", "")) if isinstance(p, Mapping) else str(p) for p in content
        )
    return "" if content is None else as_text(content)


def turns(conversation: Conversation) -> list[list[Mapping[str, Any]]]:
    """Each user message with the assistant message answering it (or alone)."""
    found: list[list[Mapping[str, Any]]] = []
    waiting: Mapping[str, Any] | None = None
    for message in conversation:
        role = message.get("role")
        if role == "user":
            if waiting is not None:
                found.append([waiting])
            waiting = message
        elif role == "assistant" and waiting is not None:
            found.append([waiting, message])
            waiting = None
    if waiting is not None:
        found.append([waiting])
    return found


def windows(conversation: Conversation, size: int) -> list[list[Mapping[str, Any]]]:
    """For each turn, the messages of it and up to ``size - 1`` turns before it."""
    if not conversation:
        raise ValueError("the conversation is empty")
    pairs = turns(conversation)
    if not pairs:
        raise ValueError("the conversation has no user message")
    return [
        [m for pair in pairs[max(0, i - size + 1) : i + 1] for m in pair] for i in range(len(pairs))
    ]


def render(messages: Sequence[Mapping[str, Any]]) -> str:
    """Messages as numbered lines for a judge (with an answer's documents, if any)."""
    lines = []
    for n, message in enumerate(messages, 1):
        lines.append(f"{n}. {message.get('role')}: {content_of(message)}")
        documents = message.get("context")
        if documents:
            lines += [f"   (document: {as_text(d)})" for d in documents]
    return "\n".join(lines)


_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalized(text: str) -> str:
    """NFKC, lower case, no emoji or punctuation, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_PUNCTUATION)
    kept = (
        c
        for c in text
        if unicodedata.category(c) not in ("So", "Sk") and unicodedata.category(c)[0] != "P"
    )
    return " ".join("".join(kept).split())


_COMMON = frozenset(
    [
        "the",
        "this",
        "that",
        "with",
        "have",
        "from",
        "about",
        "there",
        "which",
        "would",
        "could",
        "should",
        "name",
        "number",
    ]
)
_ASKING = frozenset(
    [
        "need",
        "please",
        "help",
        "can",
        "could",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "want",
        "tell",
        "explain",
        "show",
        "give",
        "provide",
        "let",
        "allow",
        "request",
    ]
)


class KnowledgeRetentionMetric(ConversationThreadMetric):
    """The share of the facts the user gave in their first ``turns_to_consider`` messages
    (words of 4+ letters, questions and requests left out) that the last assistant
    message mentions: 1.0 all of them, 0.0 none (or no assistant message)."""

    name = "knowledge_retention_metric"

    def __init__(self, turns_to_consider: int = 5, name: str | None = None) -> None:
        super().__init__(name)
        self.turns_to_consider = turns_to_consider

    @staticmethod
    def _terms(texts: Sequence[str]) -> set[str]:
        return {
            word
            for text in texts
            for word in normalized(text).split()
            if len(word) >= 4 and word not in _COMMON
        }

    def score(self, conversation: Conversation) -> ScoreResult:
        said: list[str] = []
        answers: list[str] = []
        for message in conversation:
            text, role = content_of(message), message.get("role")
            if not text or not role:
                continue
            if role == "assistant":
                answers.append(text)
            elif role == "user" and "?" not in text and not _ASKING & set(normalized(text).split()):
                said.append(text)
        if not answers:
            return ScoreResult(self.name, 0.0, "no assistant message")
        facts = self._terms(said[: self.turns_to_consider])
        if not facts:
            return ScoreResult(self.name, 1.0, "no facts to retain")
        kept = facts & self._terms([answers[-1]])
        return ScoreResult(
            self.name,
            len(kept) / len(facts),
            f"the last answer keeps {len(kept)} of {len(facts)} terms the user gave",
            metadata={"reference_terms": sorted(facts), "retained_terms": sorted(kept)},
        )


_FALLBACKS = (
    "i'm sorry",
    "as an ai language model",
    "i cannot",
    "i'm unable",
    "please provide",
    "i don't have access",
    "i don't understand",
    "could you please clarify",
)


def _entropy(words: list[str]) -> float:
    """Shannon entropy of the words over its maximum (0.0 for one distinct word)."""
    counts = Counter(words)
    if len(counts) <= 1:
        return 0.0
    total = len(words)
    entropy = -sum(c / total * math.log2(c / total) for c in counts.values())
    return min(1.0, entropy / math.log2(len(counts)))


class ConversationDegenerationMetric(ConversationThreadMetric):
    """The worst degeneration risk of the assistant's messages, 0.0 to 1.0: per message the
    mean of its repeated ``ngram_size``-grams share, its word overlap with the previous
    answer, whether it uses a stock fallback phrase, and its lack of word variety."""

    name = "conversation_degeneration_metric"

    def __init__(
        self,
        ngram_size: int = 3,
        fallback_phrases: Sequence[str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if ngram_size < 2:
            raise ValueError("ngram_size must be at least 2")
        self.ngram_size = ngram_size
        phrases = _FALLBACKS if fallback_phrases is None else fallback_phrases
        self.fallback_phrases = [p.lower() for p in phrases]

    def _repeated(self, words: list[str]) -> float:
        n = self.ngram_size
        grams = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
        total = sum(grams.values())
        return sum(c for c in grams.values() if c > 1) / total if total else 0.0

    def score(self, conversation: Conversation) -> ScoreResult:
        answers = [
            content_of(m) for m in conversation if m.get("role") == "assistant" and content_of(m)
        ]
        if not answers:
            raise ValueError("the conversation has no assistant message")
        risks, previous = [], None
        for text in answers:
            words = re.findall(r"\b\w+\b", text.lower())
            overlap = (
                len(set(words) & set(previous)) / len(set(words) | set(previous))
                if previous and words
                else 0.0
            )
            fallback = float(any(p in text.lower() for p in self.fallback_phrases))
            risk = (self._repeated(words) + overlap + fallback + 1.0 - _entropy(words)) / 4
            risks.append(min(1.0, risk))
            previous = words or previous
        peak = max(risks)
        return ScoreResult(
            self.name,
            peak,
            f"peak degeneration risk over {len(risks)} answers: {peak:.3f}",
            metadata={"per_turn": risks, "average_score": sum(risks) / len(risks)},
        )
