"""The list of metrics this package ships, as a DataFrame: :func:`catalogue`."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ._base import BaseMetric

if TYPE_CHECKING:
    import pandas as pd

_LIBRARY = {
    "LevenshteinRatio": "rapidfuzz",
    "JsonSchema": "jsonschema",
    "SentenceBLEU": "nltk",
    "CorpusBLEU": "nltk",
    "GLEU": "nltk",
    "ChrF": "nltk",
    "METEOR": "nltk + WordNet",
    "ROUGE": "rouge-score",
    "RougeL": "rouge-score",
    "Sentiment": "nltk + vaderSentiment",
    "VADERSentiment": "nltk + vaderSentiment",
    "Readability": "textstat",
    "LanguageAdherenceMetric": "fasttext, or your detector",
    "BERTScore": "bert-score, or your scorer",
}


def _arguments(cls: type[BaseMetric]) -> str:
    """What ``score`` reads: required names, then optional ones with ``=``."""
    parameters = list(inspect.signature(cls.score).parameters.values())[1:]
    return ", ".join(
        "**arguments"
        if p.kind is p.VAR_KEYWORD
        else p.name
        if p.default is p.empty
        else f"{p.name}=None"
        for p in parameters
    )


def _summary(cls: type) -> str:
    return " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())


def rows(classes: list[type[BaseMetric]]) -> list[dict[str, Any]]:
    return [
        {
            "name": cls.name if cls.name != "metric" else "(the name you give)",
            "class": cls.__name__,
            "kind": cls.kind,
            "needs_llm": cls.needs_llm,
            "arguments": _arguments(cls),
            "library": _LIBRARY.get(cls.__name__, ""),
            "description": _summary(cls),
        }
        for cls in classes
    ]


def catalogue(classes: list[type[BaseMetric]]) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 - pandas only when the table is asked for

    return pd.DataFrame(rows(classes)).set_index("class")
