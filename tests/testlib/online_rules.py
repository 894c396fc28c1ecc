"""Bodies of online evaluation rules for the REST API: an LLM judge, a Python metric."""

from __future__ import annotations


def judge_rule(project: str, **fields: object) -> dict[str, object]:
    """A rule asking the judge model for ``helpfulness`` from ``input.question`` and
    ``output.answer``; ``fields`` override the body's."""
    body = {
        "name": "helpfulness",
        "project_name": project,
        "type": "llm_as_judge",
        "code": {
            "model": {"name": "judge-model"},
            "messages": [
                {"role": "USER", "content": "Question: {{q}}\nAnswer: {{a}}\nReply JSON."}
            ],
            "variables": {"q": "input.question", "a": "output.answer"},
            "schema": [{"name": "helpfulness", "type": "DOUBLE"}],
        },
    }
    body.update(fields)
    return body


def python_rule(project: str, source: str, **fields: object) -> dict[str, object]:
    """A rule scoring ``length`` with the Python metric ``source`` on ``output.answer``;
    ``fields`` override the body's."""
    body = {
        "name": "length",
        "project_name": project,
        "type": "user_defined_metric_python",
        "code": {"metric": source, "arguments": {"answer": "output.answer"}},
    }
    body.update(fields)
    return body
