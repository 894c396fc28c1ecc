"""LLM judges of whole conversations: coherence, session completeness, user frustration,
and any single-answer judge applied to a thread's last answer. Each asks the judge a
yes/no verdict per window of turns (or per user goal), scores the share of verdicts, and
asks for a summary reason (unless ``include_reason=False``). Opik's schemas:
``{"verdict", "reason"}`` per window, ``{"reason"}`` for the summary."""

from __future__ import annotations

from typing import Any

from ._base import BaseMetric, Metric, ScoreResult, results_of
from ._judge import (
    DATA_ONLY,
    MAYBE_TEXT,
    TEXT,
    TEXTS,
    YES_NO,
    Ask,
    LLMJudge,
    Steps,
    data,
    schema,
)
from ._judge import conversation as chat
from ._llm import JudgeModel, JudgeOutputError
from .conversation import Conversation, content_of, render, windows
from .g_eval import (
    ComplianceRiskJudge,
    DialogueHelpfulnessJudge,
    PromptUncertaintyJudge,
    QARelevanceJudge,
    SummarizationCoherenceJudge,
    SummarizationConsistencyJudge,
)

_VERDICT = schema(verdict=YES_NO, reason=MAYBE_TEXT)
_SUMMARY = schema(reason=TEXT)
_GOALS = schema(user_goals=TEXTS)


def _yes_no(found: dict[str, Any], reply: str) -> None:
    if str(found.get("verdict", "")).strip().lower() not in ("yes", "no"):
        raise JudgeOutputError(f"the judge's 'verdict' is not yes or no: {reply[:200]!r}")


def _said(found: dict[str, Any]) -> str:
    return str(found["verdict"]).strip().lower()


class _ConversationJudge(LLMJudge):
    kind = "conversation judge"

    def __init__(
        self,
        model: str | JudgeModel = "gpt-4o-mini",
        *,
        include_reason: bool = True,
        window_size: int = 10,
        **options: Any,
    ) -> None:
        super().__init__(model, **options)
        self.include_reason, self.window_size = include_reason, window_size

    def _summary(self, what: str, value: float, findings: list[str]) -> Ask:
        listed = "\n".join(findings) or "(none)"
        return Ask(
            chat(
                f"Explain in one or two sentences why a conversation scored {value:.2f} for "
                f"{what} (0 to 1), from the findings below. Answer with a JSON object: "
                '{"reason": "<explanation>"}.',
                data("findings", listed),
            ),
            _SUMMARY,
        )

    def _result(self, value: float, reason: str | None) -> ScoreResult:
        return ScoreResult(self.name, value, reason)

    def score(self, conversation: Conversation) -> ScoreResult:
        return self._run(self._steps(conversation))

    async def ascore(self, conversation: Conversation) -> ScoreResult:
        return await self._arun(self._steps(conversation))

    def _steps(self, conversation: Conversation) -> Steps:
        raise NotImplementedError


class ConversationalCoherenceMetric(_ConversationJudge):
    """The share of the assistant's answers that are relevant and coherent given the
    turns before them (up to ``window_size`` turns), 0.0 to 1.0."""

    name = "conversational_coherence_score"

    def _steps(self, conversation: Conversation) -> Steps:
        graded = [
            w for w in windows(conversation, self.window_size)
            if w[-1].get("role") == "assistant" and content_of(w[-1]).strip()
        ]  # fmt: skip
        if not graded:
            raise ValueError("the conversation has no assistant message to judge")
        system = (
            "You judge the LAST assistant message of a conversation: given everything "
            "before it, is it relevant and coherent: does it follow from the conversation, "
            "keep to its context and answer what the user last said? Answer with a JSON "
            '{"verdict": "yes" or "no", "reason": "<why, when no; else null>"}. '
            f"{DATA_ONLY}"
        )
        verdicts = yield [
            Ask(chat(system, data("conversation", render(w))), _VERDICT, _yes_no) for w in graded
        ]
        value = sum(_said(v) != "no" for v in verdicts) / len(verdicts)
        findings = [
            f"answer {n}: {v.get('reason')}"
            for n, v in enumerate(verdicts, 1)
            if _said(v) == "no" and v.get("reason")
        ]
        reason = None
        if self.include_reason:
            reason = (yield self._summary("coherence", value, findings))["reason"]
        return self._result(value, reason)


class SessionCompletenessQuality(_ConversationJudge):
    """The share of the user's goals in the conversation that the assistant met: the judge
    lists the goals, then decides each; 0.0 when it finds none."""

    name = "session_completeness_quality"

    def _steps(self, conversation: Conversation) -> Steps:
        text = data("conversation", render(conversation))
        found = yield Ask(
            chat(
                "List the goals the USER pursues in this conversation: what they want "
                "to get done or learn, one short phrase each. Answer with a JSON object: "
                f'{{"user_goals": ["...", ...]}}. {DATA_ONLY}',
                text,
            ),
            _GOALS,
        )
        goals = [str(g) for g in found.get("user_goals") or []]
        if not goals:
            return self._result(0.0, "no user goal found" if self.include_reason else None)
        system = (
            "Decide whether the assistant fully met the user's GOAL in the conversation. "
            'Answer with a JSON object: {"verdict": "yes" or "no", "reason": "<why, when '
            f'no; else null>"}}. {DATA_ONLY}'
        )
        verdicts = yield [
            Ask(chat(system, f"{data('goal', g)}\n\n{text}"), _VERDICT, _yes_no) for g in goals
        ]
        value = sum(_said(v) != "no" for v in verdicts) / len(verdicts)
        findings = [
            f"goal {g!r} not met: {v.get('reason')}"
            for g, v in zip(goals, verdicts, strict=True)
            if _said(v) == "no" and v.get("reason")
        ]
        reason = None
        if self.include_reason:
            reason = (yield self._summary("session completeness", value, findings))["reason"]
        return self._result(value, reason)


class UserFrustrationMetric(_ConversationJudge):
    """The share of windows of turns whose last user message shows the user confused,
    annoyed or giving up because of the assistant's answers, 0.0 to 1.0 (lower is
    better)."""

    name = "user_frustration_score"

    def _steps(self, conversation: Conversation) -> Steps:
        system = (
            "Does the LAST user message in this conversation show that the user is "
            "frustrated, confused, annoyed or disengaging because of the assistant's "
            "earlier answers? Say yes only for clear frustration, not for ordinary "
            'follow-up questions. Answer with a JSON object: {"verdict": "yes" or "no", '
            f'"reason": "<why, when yes; else null>"}}. {DATA_ONLY}'
        )
        verdicts = yield [
            Ask(chat(system, data("conversation", render(w))), _VERDICT, _yes_no)
            for w in windows(conversation, self.window_size)
        ]
        value = sum(_said(v) == "yes" for v in verdicts) / len(verdicts)
        findings = [
            f"turn {n}: {v.get('reason')}"
            for n, v in enumerate(verdicts, 1)
            if _said(v) == "yes" and v.get("reason")
        ]
        reason = None
        if self.include_reason:
            reason = (yield self._summary("user frustration", value, findings))["reason"]
        return self._result(value, reason)


class GEvalConversationMetric(BaseMetric):
    """A single-answer judge (a G-Eval preset, or any metric scoring ``output``) on the
    conversation's last assistant message with text; named ``conversation_<its name>``."""

    kind = "conversation judge"
    needs_llm = True

    def __init__(self, judge: Any, name: str | None = None) -> None:
        self.judge = judge
        super().__init__(name or f"conversation_{Metric.of(judge).name}")

    @staticmethod
    def _last_answer(conversation: Conversation) -> str:
        for message in reversed(conversation):
            if message.get("role") == "assistant" and content_of(message).strip():
                return content_of(message)
        raise ValueError("the conversation has no assistant message with text")

    def _renamed(self, returned: Any) -> ScoreResult:
        result = results_of(returned, self.name)[0]
        return ScoreResult(self.name, result.value, result.reason, metadata=result.metadata)

    def score(self, conversation: Conversation) -> ScoreResult:
        return self._renamed(self.judge.score(output=self._last_answer(conversation)))

    async def ascore(self, conversation: Conversation) -> ScoreResult:
        return self._renamed(await self.judge.ascore(output=self._last_answer(conversation)))


def _wrapper(cls_name: str, judge: type, score_name: str) -> type[GEvalConversationMetric]:
    def init(
        self: GEvalConversationMetric, model: str | JudgeModel = "gpt-4o-mini", **options: Any
    ) -> None:
        name = options.pop("name", score_name)
        GEvalConversationMetric.__init__(self, judge(model, **options), name)

    return type(
        cls_name,
        (GEvalConversationMetric,),
        {
            "__init__": init,
            "name": score_name,
            "__module__": __name__,
            "__doc__": f"{judge.__name__} on the conversation's last answer.",
        },
    )


ConversationComplianceRiskMetric = _wrapper(
    "ConversationComplianceRiskMetric", ComplianceRiskJudge, "conversation_compliance_risk"
)
ConversationDialogueHelpfulnessMetric = _wrapper(
    "ConversationDialogueHelpfulnessMetric",
    DialogueHelpfulnessJudge,
    "conversation_dialogue_helpfulness",
)
ConversationQARelevanceMetric = _wrapper(
    "ConversationQARelevanceMetric", QARelevanceJudge, "conversation_qa_relevance"
)
ConversationSummarizationCoherenceMetric = _wrapper(
    "ConversationSummarizationCoherenceMetric",
    SummarizationCoherenceJudge,
    "conversation_summarization_coherence",
)
ConversationSummarizationConsistencyMetric = _wrapper(
    "ConversationSummarizationConsistencyMetric",
    SummarizationConsistencyJudge,
    "conversation_summarization_consistency",
)
ConversationPromptUncertaintyMetric = _wrapper(
    "ConversationPromptUncertaintyMetric",
    PromptUncertaintyJudge,
    "conversation_prompt_uncertainty",
)
