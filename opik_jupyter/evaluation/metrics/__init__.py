"""Metrics for :func:`opik_jupyter.evaluate`, online rules, or on their own: the official
``opik`` SDK's catalogue (heuristic, RAG, agent and conversation metrics, LLM judges)
under Opik's names, and your own. ``catalogue()`` lists them.

A metric's ``score`` parameters name what it reads from each item and the task's output
(``output``, ``reference``, ``input``, ``context``...); ``scoring_key_mapping`` renames.
Every metric also has ``ascore`` (async), ``score_batch``/``ascore_batch`` (many items)
and ``online_source()`` (for ``add_online_rule``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _catalogue
from ._base import BaseMetric, FunctionMetric, MetricArgumentsError, ScoreResult
from ._judge import LLMJudge
from ._llm import JudgeModel, JudgeOutputError
from .agents import StructuredOutputCompliance, SycEval, TrajectoryAccuracy
from .aggregate import AggregatedMetric, LLMJuriesJudge
from .conversation import (
    ConversationDegenerationMetric,
    ConversationThreadMetric,
    KnowledgeRetentionMetric,
)
from .conversation_judges import (
    ConversationalCoherenceMetric,
    ConversationComplianceRiskMetric,
    ConversationDialogueHelpfulnessMetric,
    ConversationPromptUncertaintyMetric,
    ConversationQARelevanceMetric,
    ConversationSummarizationCoherenceMetric,
    ConversationSummarizationConsistencyMetric,
    GEvalConversationMetric,
    SessionCompletenessQuality,
    UserFrustrationMetric,
)
from .distribution import JSDistance, JSDivergence, KLDivergence, SpearmanRanking
from .g_eval import (
    PRESETS,
    AgentTaskCompletionJudge,
    AgentToolCorrectnessJudge,
    ComplianceRiskJudge,
    DemographicBiasJudge,
    DialogueHelpfulnessJudge,
    GenderBiasJudge,
    GEval,
    GEvalPreset,
    PoliticalBiasJudge,
    PromptUncertaintyJudge,
    QARelevanceJudge,
    RegionalBiasJudge,
    ReligiousBiasJudge,
    SummarizationCoherenceJudge,
    SummarizationConsistencyJudge,
)
from .heuristic import Contains, Equals, IsJson, JsonSchema, LevenshteinRatio, RegexMatch
from .judges import (
    AnswerRelevance,
    ContextPrecision,
    ContextRecall,
    Hallucination,
    Moderation,
    Usefulness,
)
from .overlap import GLEU, METEOR, ROUGE, ChrF, CorpusBLEU, RougeL, SentenceBLEU
from .text_quality import (
    BERTScore,
    LanguageAdherenceMetric,
    PromptInjection,
    Readability,
    Sentiment,
    Tone,
    VADERSentiment,
)
from .threads import conversation_of_thread, evaluate_threads

if TYPE_CHECKING:
    import pandas as pd

CATALOGUE: list[type[BaseMetric]] = [
    Equals,
    Contains,
    RegexMatch,
    IsJson,
    JsonSchema,
    LevenshteinRatio,
    SentenceBLEU,
    CorpusBLEU,
    GLEU,
    ChrF,
    METEOR,
    ROUGE,
    RougeL,
    JSDivergence,
    JSDistance,
    KLDivergence,
    SpearmanRanking,
    Sentiment,
    VADERSentiment,
    Readability,
    Tone,
    PromptInjection,
    LanguageAdherenceMetric,
    BERTScore,
    Hallucination,
    AnswerRelevance,
    ContextPrecision,
    ContextRecall,
    Moderation,
    Usefulness,
    GEval,
    GEvalPreset,
    SummarizationConsistencyJudge,
    SummarizationCoherenceJudge,
    DialogueHelpfulnessJudge,
    QARelevanceJudge,
    DemographicBiasJudge,
    PoliticalBiasJudge,
    GenderBiasJudge,
    ReligiousBiasJudge,
    RegionalBiasJudge,
    ComplianceRiskJudge,
    PromptUncertaintyJudge,
    TrajectoryAccuracy,
    AgentToolCorrectnessJudge,
    AgentTaskCompletionJudge,
    StructuredOutputCompliance,
    SycEval,
    LLMJuriesJudge,
    AggregatedMetric,
    KnowledgeRetentionMetric,
    ConversationDegenerationMetric,
    ConversationalCoherenceMetric,
    SessionCompletenessQuality,
    UserFrustrationMetric,
    GEvalConversationMetric,
    ConversationComplianceRiskMetric,
    ConversationDialogueHelpfulnessMetric,
    ConversationQARelevanceMetric,
    ConversationSummarizationCoherenceMetric,
    ConversationSummarizationConsistencyMetric,
    ConversationPromptUncertaintyMetric,
]


def catalogue() -> pd.DataFrame:
    """Every metric shipped, one row each, indexed by class: ``name`` (its score's name),
    ``kind``, ``needs_llm``, ``arguments`` (what ``score`` reads), ``library`` and
    ``description``."""
    return _catalogue.catalogue(CATALOGUE)


__all__ = [
    "CATALOGUE",
    "GLEU",
    "METEOR",
    "PRESETS",
    "ROUGE",
    "AgentTaskCompletionJudge",
    "AgentToolCorrectnessJudge",
    "AggregatedMetric",
    "AnswerRelevance",
    "BERTScore",
    "BaseMetric",
    "ChrF",
    "ComplianceRiskJudge",
    "Contains",
    "ContextPrecision",
    "ContextRecall",
    "ConversationComplianceRiskMetric",
    "ConversationDegenerationMetric",
    "ConversationDialogueHelpfulnessMetric",
    "ConversationPromptUncertaintyMetric",
    "ConversationQARelevanceMetric",
    "ConversationSummarizationCoherenceMetric",
    "ConversationSummarizationConsistencyMetric",
    "ConversationThreadMetric",
    "ConversationalCoherenceMetric",
    "CorpusBLEU",
    "DemographicBiasJudge",
    "DialogueHelpfulnessJudge",
    "Equals",
    "FunctionMetric",
    "GEval",
    "GEvalConversationMetric",
    "GEvalPreset",
    "GenderBiasJudge",
    "Hallucination",
    "IsJson",
    "JSDistance",
    "JSDivergence",
    "JsonSchema",
    "JudgeModel",
    "JudgeOutputError",
    "KLDivergence",
    "KnowledgeRetentionMetric",
    "LLMJudge",
    "LLMJuriesJudge",
    "LanguageAdherenceMetric",
    "LevenshteinRatio",
    "MetricArgumentsError",
    "Moderation",
    "PoliticalBiasJudge",
    "PromptInjection",
    "PromptUncertaintyJudge",
    "QARelevanceJudge",
    "Readability",
    "RegexMatch",
    "RegionalBiasJudge",
    "ReligiousBiasJudge",
    "RougeL",
    "ScoreResult",
    "SentenceBLEU",
    "Sentiment",
    "SessionCompletenessQuality",
    "SpearmanRanking",
    "StructuredOutputCompliance",
    "SummarizationCoherenceJudge",
    "SummarizationConsistencyJudge",
    "SycEval",
    "Tone",
    "TrajectoryAccuracy",
    "Usefulness",
    "UserFrustrationMetric",
    "VADERSentiment",
    "catalogue",
    "conversation_of_thread",
    "evaluate_threads",
]
