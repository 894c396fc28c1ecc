"""LLM-as-judge metrics: a judge model reads the item and the output and answers a score
with a reason, as JSON. Any OpenAI-compatible endpoint works (see :class:`JudgeModel`).

A reply that is not the asked-for JSON fails that item's score with a message quoting the
reply; the evaluation goes on.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ._base import BaseMetric, ScoreResult
from ._llm import JudgeModel, verdict
from .heuristic import as_text

_ANSWER_FORMAT = (
    'Answer with a JSON object only: {"score": <number>, "reason": "<one or two sentences>"}.'
)


class LLMJudge(BaseMetric):
    """Base of the judge metrics: sends a prompt, reads ``{"score", "reason"}``.

    ``model`` is a model name (then ``base_url``/``api_key`` say where it is served) or a
    :class:`JudgeModel`.
    """

    def __init__(
        self,
        model: str | JudgeModel = "gpt-4o-mini",
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.model = (
            model
            if isinstance(model, JudgeModel)
            else JudgeModel(model, base_url=base_url, api_key=api_key)
        )

    def judge(self, prompt: str, high: float = 1.0) -> ScoreResult:
        """Ask the judge; the score is scaled from [0, ``high``] to [0, 1]."""
        reply = self.model.complete([{"role": "user", "content": prompt}])
        value, reason = verdict(reply, 0.0, high)
        return ScoreResult(self.name, value / high, reason)


def _context_text(context: Any) -> str:
    if context is None:
        return "(none given)"
    if isinstance(context, list | tuple):
        return "\n".join(f"- {as_text(part)}" for part in context)
    return as_text(context)


class Hallucination(LLMJudge):
    """1.0 when the output states things that the input and context do not support (or
    contradict), 0.0 when it is faithful to them."""

    name = "hallucination_metric"

    def score(self, input: Any, output: Any, context: Any = None) -> ScoreResult:
        return self.judge(
            "You check answers for hallucination: claims not supported by, or contradicting, "
            "the question and the context. Judge only faithfulness, not style.\n\n"
            f"QUESTION:\n{as_text(input)}\n\nCONTEXT:\n{_context_text(context)}\n\n"
            f"ANSWER:\n{as_text(output)}\n\n"
            "Score 1 if the answer hallucinates, 0 if everything in it is supported (or is "
            f"common knowledge consistent with the context). {_ANSWER_FORMAT}"
        )


class AnswerRelevance(LLMJudge):
    """How well the output addresses the input, from 0.0 (off topic) to 1.0."""

    name = "answer_relevance_metric"

    def score(self, input: Any, output: Any, context: Any = None) -> ScoreResult:
        return self.judge(
            "You rate how relevant an answer is to the question it replies to: does it "
            "address what was asked, completely and without drifting off topic? Correctness "
            "is not the point here.\n\n"
            f"QUESTION:\n{as_text(input)}\n\nCONTEXT:\n{_context_text(context)}\n\n"
            f"ANSWER:\n{as_text(output)}\n\n"
            f"Score from 0 (irrelevant) to 1 (fully relevant). {_ANSWER_FORMAT}"
        )


class GEval(LLMJudge):
    """A judge for your own rubric, in the manner of G-Eval (Liu et al., 2023).

    The judge first turns ``evaluation_criteria`` into evaluation steps (once per metric,
    chain-of-thought), then scores each output from 0 to 10 following them; the value is
    that score / 10. Give ``evaluation_steps`` to skip the first call.
    """

    name = "g_eval_metric"

    def __init__(
        self,
        task_introduction: str,
        evaluation_criteria: str,
        model: str | JudgeModel = "gpt-4o-mini",
        *,
        evaluation_steps: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(model, base_url=base_url, api_key=api_key, name=name)
        self.task_introduction = task_introduction
        self.evaluation_criteria = evaluation_criteria
        self._steps = evaluation_steps
        self._steps_lock = threading.Lock()

    @property
    def evaluation_steps(self) -> str:
        """The steps the judge follows (asked of the judge on first use)."""
        with self._steps_lock:
            if self._steps is None:
                self._steps = self._ask_steps()
            return self._steps

    def _ask_steps(self) -> str:
        reply = self.model.complete(
            [
                {
                    "role": "user",
                    "content": (
                        f"{self.task_introduction}\n\n"
                        f"EVALUATION CRITERIA:\n{self.evaluation_criteria}\n\n"
                        "Write 3 to 6 short, concrete steps an evaluator should follow "
                        "to apply these "
                        'criteria. Answer with a JSON object: {"steps": ["...", "..."]}.'
                    ),
                }
            ]
        )
        try:
            steps = json.loads(reply).get("steps")
        except (ValueError, AttributeError):
            steps = None
        if isinstance(steps, list) and steps:
            return "\n".join(f"{n}. {as_text(step)}" for n, step in enumerate(steps, 1))
        return reply.strip()

    def score(self, output: Any, input: Any = None) -> ScoreResult:
        given = f"INPUT:\n{as_text(input)}\n\n" if input is not None else ""
        return self.judge(
            f"{self.task_introduction}\n\nEVALUATION CRITERIA:\n{self.evaluation_criteria}\n\n"
            f"EVALUATION STEPS:\n{self.evaluation_steps}\n\n{given}OUTPUT TO EVALUATE:\n"
            f"{as_text(output)}\n\nFollow the steps and score the output from 0 (fails the "
            f"criteria) to 10 (meets them fully). {_ANSWER_FORMAT}",
            high=10.0,
        )
