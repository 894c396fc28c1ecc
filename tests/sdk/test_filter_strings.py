"""The filter-string parser."""

from __future__ import annotations

import pytest

from opik_jupyter import FilterSyntaxError, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "chat"', [{"field": "name", "operator": "=", "value": "chat"}]),
        ("name = 'it\\'s'", [{"field": "name", "operator": "=", "value": "it's"}]),
        (
            'tags contains "prod" and usage.total_tokens > 100',
            [
                {"field": "tags", "operator": "contains", "value": "prod"},
                {"field": "usage.total_tokens", "operator": ">", "value": "100"},
            ],
        ),
        (
            'metadata.model = "gpt-4o" AND feedback_scores.accuracy >= 0.5',
            [
                {"field": "metadata", "key": "model", "operator": "=", "value": "gpt-4o"},
                {"field": "feedback_scores", "key": "accuracy", "operator": ">=", "value": "0.5"},
            ],
        ),
        (
            "error_info is_not_empty and duration<=10",
            [
                {"field": "error_info", "operator": "is_not_empty", "value": ""},
                {"field": "duration", "operator": "<=", "value": "10"},
            ],
        ),
        (
            "input_json.messages[0].role != user",
            [{"field": "input_json", "key": "messages[0].role", "operator": "!=", "value": "user"}],
        ),
        ("", []),
    ],
)
def test_parse_filter__builds_backend_filters(text: str, expected: list[dict[str, str]]) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x', "cannot read"),
        ('name likes "x"', "unknown operator"),
        ('name = "x" or tags = "y"', "expected 'and'"),
        ('name = "x" and', "must follow"),
        ("name =", "expected a value"),
        ('"name" = x', "expected a field"),
        ('tags.x = "y"', "has no keys"),
    ],
)
def test_parse_filter__explains_errors(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError, match=message):
        parse_filter(text)
