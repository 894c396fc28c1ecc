"""Metrics for :func:`opik_jupyter.evaluate`: heuristic, LLM-as-judge, and your own.

A metric's ``score`` parameters name what it reads from each item and the task's output
(``output``, ``reference``, ``input``, ``context``...); ``scoring_key_mapping`` renames.
"""

from ._base import BaseMetric, FunctionMetric, MetricArgumentsError, ScoreResult
from ._llm import JudgeModel, JudgeOutputError
from .heuristic import Contains, Equals, IsJson, LevenshteinRatio, RegexMatch, RougeL, SentenceBLEU
from .judges import AnswerRelevance, GEval, Hallucination, LLMJudge

__all__ = [
    "AnswerRelevance",
    "BaseMetric",
    "Contains",
    "Equals",
    "FunctionMetric",
    "GEval",
    "Hallucination",
    "IsJson",
    "JudgeModel",
    "JudgeOutputError",
    "LLMJudge",
    "LevenshteinRatio",
    "MetricArgumentsError",
    "RegexMatch",
    "RougeL",
    "ScoreResult",
    "SentenceBLEU",
]
