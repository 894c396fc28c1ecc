"""Datasets, experiments and evaluation from the notebook.

``Dataset`` holds items (dicts); ``evaluate`` runs a task on each, scores the outputs with
metrics (heuristic, LLM-as-judge or your own functions) and records an experiment;
``compare_experiments`` puts experiments side by side. Importing this module loads pandas
only when a DataFrame is asked for, and the widgets only when they are shown.
"""

from ._compare import compare_experiments
from ._evaluate import evaluate, evaluate_async
from ._plan import EvaluationInputError
from ._result import EvaluationResult, ItemResult, MetricSummary
from .dataset import Dataset, DatasetVersion
from .metrics import (
    AnswerRelevance,
    BaseMetric,
    Contains,
    Equals,
    GEval,
    Hallucination,
    IsJson,
    JudgeModel,
    LevenshteinRatio,
    RegexMatch,
    RougeL,
    ScoreResult,
    SentenceBLEU,
)

__all__ = [
    "AnswerRelevance",
    "BaseMetric",
    "Contains",
    "Dataset",
    "DatasetVersion",
    "Equals",
    "EvaluationInputError",
    "EvaluationResult",
    "GEval",
    "Hallucination",
    "IsJson",
    "ItemResult",
    "JudgeModel",
    "LevenshteinRatio",
    "MetricSummary",
    "RegexMatch",
    "RougeL",
    "ScoreResult",
    "SentenceBLEU",
    "compare_experiments",
    "evaluate",
    "evaluate_async",
]
