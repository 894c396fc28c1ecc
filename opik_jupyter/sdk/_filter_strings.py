"""A small filter-string language for trace and span searches.

``'name = "chat" and tags contains "prod" and metadata.model = "gpt-4o"'`` becomes the
backend's filter list ``[{"field", "operator", "key"?, "value"}]``. Conditions are joined
with ``and`` (the backend's filters are a conjunction). A field with a dot names a key
inside a dictionary field (``metadata.model``, ``feedback_scores.accuracy``,
``input_json.messages[0].role``); ``usage.total_tokens`` and friends are fields of their
own. Values are quoted strings (``"..."`` or ``'...'``), numbers or bare words; ``is_empty``
and ``is_not_empty`` take none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

OPERATORS = (
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
    "in",
    "not_in",
)
NO_VALUE = ("is_empty", "is_not_empty")
WHOLE_FIELDS = ("usage.total_tokens", "usage.prompt_tokens", "usage.completion_tokens")
KEYED_FIELDS = ("metadata", "input_json", "output_json", "feedback_scores")

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<op>!=|>=|<=|=|>|<)|(?P<word>[^\s"'=!<>]+))"""
)
Filter = dict[str, Any]


class FilterSyntaxError(ValueError):
    """The filter string cannot be parsed; the message says where."""


def parse_filter(text: str) -> list[Filter]:
    """Parse a filter string into the backend's filter list."""
    tokens = _tokens(text)
    filters: list[Filter] = []
    position = 0
    while position < len(tokens):
        found, position = _condition(tokens, position, text)
        filters.append(found)
        if position < len(tokens):
            kind, value = tokens[position]
            if kind != "word" or value.lower() != "and":
                raise FilterSyntaxError(f"expected 'and' before {value!r} in {text!r}")
            position += 1
            if position == len(tokens):
                raise FilterSyntaxError(f"a condition must follow the last 'and' in {text!r}")
    return filters


def as_filters(given: str | Sequence[Mapping[str, Any]] | None) -> list[Filter]:
    """A filter string, an already built filter list, or None, as a filter list."""
    if given is None or given == "":
        return []
    if isinstance(given, str):
        return parse_filter(given)
    return [dict(item) for item in given]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            raise FilterSyntaxError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup
        if kind is None:
            break
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _condition(tokens: list[tuple[str, str]], position: int, text: str) -> tuple[Filter, int]:
    kind, field = tokens[position]
    if kind != "word":
        raise FilterSyntaxError(f"expected a field name, got {field!r} in {text!r}")
    if position + 1 >= len(tokens):
        raise FilterSyntaxError(f"expected an operator after {field!r} in {text!r}")
    operator = tokens[position + 1][1].lower()
    if operator not in OPERATORS:
        raise FilterSyntaxError(
            f"unknown operator {operator!r} in {text!r}; use one of {', '.join(OPERATORS)}"
        )
    out: Filter = _field(field)
    out["operator"] = operator
    position += 2
    if operator in NO_VALUE:
        out["value"] = ""
        return out, position
    if position >= len(tokens) or tokens[position][0] == "op":
        raise FilterSyntaxError(f"expected a value after {field} {operator} in {text!r}")
    kind, raw = tokens[position]
    out["value"] = _unquote(raw) if kind == "str" else raw
    return out, position + 1


def _field(name: str) -> Filter:
    if name in WHOLE_FIELDS or "." not in name:
        return {"field": name}
    head, key = name.split(".", 1)
    if head not in KEYED_FIELDS:
        raise FilterSyntaxError(f"{head!r} has no keys; keyed fields are {', '.join(KEYED_FIELDS)}")
    return {"field": head, "key": key}


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", r"\1", body)
