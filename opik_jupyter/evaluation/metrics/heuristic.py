"""Metrics computed from the text alone: exact and partial matches, regular expressions,
JSON and JSON Schema, edit distance. Each returns a value in [0, 1] and a short reason,
under the official ``opik`` metric's name, so scores from either SDK land together.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

from ._base import BaseMetric, ScoreResult


def as_text(value: Any) -> str:
    """A value as the text a metric compares: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def require(module: str, metric: str, package: str | None = None) -> Any:
    """Import the library a metric is built on, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{metric} is computed with {package or module}, which is not installed: "
            "pip install 'opik-jupyter[metrics]'"
        ) from None


def present(metric: str, **values: Any) -> None:
    """Refuse ``None`` for the named arguments (a missing output is not an empty one)."""
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise ValueError(f"{metric} got None for {', '.join(missing)}: give text to compare")


class _TextMetric(BaseMetric):
    """A metric comparing the output's text with a reference's, maybe ignoring case."""

    kind = "heuristic"

    def __init__(self, case_sensitive: bool = False, name: str | None = None) -> None:
        super().__init__(name)
        self.case_sensitive = case_sensitive

    def texts(self, output: Any, reference: Any) -> tuple[str, str]:
        present(type(self).__name__, output=output, reference=reference)
        pair = as_text(output), as_text(reference)
        return pair if self.case_sensitive else (pair[0].lower(), pair[1].lower())


class Equals(_TextMetric):
    """1.0 when the output equals the reference (ignoring case unless ``case_sensitive``)."""

    name = "equals_metric"

    def score(self, output: Any, reference: Any) -> ScoreResult:
        text, wanted = self.texts(output, reference)
        return ScoreResult(
            self.name, float(text == wanted), "equal" if text == wanted else "different"
        )


class Contains(_TextMetric):
    """1.0 when the reference occurs in the output (given here or per item)."""

    name = "contains_metric"

    def __init__(
        self, reference: str | None = None, case_sensitive: bool = False, name: str | None = None
    ) -> None:
        super().__init__(case_sensitive, name)
        self.reference = reference

    def score(self, output: Any, reference: Any = None) -> ScoreResult:
        given = reference if reference is not None else self.reference
        if given is None:
            raise ValueError(
                "no reference: give Contains(reference=...) or a 'reference' in the item"
            )
        if given == "":
            raise ValueError("the reference is empty: every text contains it")
        text, wanted = self.texts(output, given)
        verb = "contains" if wanted in text else "does not contain"
        return ScoreResult(self.name, float(wanted in text), f"{verb} {as_text(given)!r}")


class RegexMatch(BaseMetric):
    """1.0 when the regular expression (text or compiled) matches somewhere in the output."""

    name = "regex_match_metric"
    kind = "heuristic"

    def __init__(
        self, regex: str | re.Pattern[str], flags: int = 0, name: str | None = None
    ) -> None:
        super().__init__(name)
        self.pattern = regex if isinstance(regex, re.Pattern) else re.compile(regex, flags)

    def score(self, output: Any) -> ScoreResult:
        present("RegexMatch", output=output)
        found = self.pattern.search(as_text(output))
        reason = (
            f"matched {found.group(0)!r}" if found else f"no match for {self.pattern.pattern!r}"
        )
        return ScoreResult(self.name, float(found is not None), reason)


def _no_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


class IsJson(BaseMetric):
    """1.0 when the output is JSON (a string that parses as standard JSON, ``NaN`` and
    ``Infinity`` refused, or already a dict or list)."""

    name = "is_json_metric"
    kind = "heuristic"

    def score(self, output: Any) -> ScoreResult:
        if isinstance(output, dict | list):
            return ScoreResult(self.name, 1.0, "already structured")
        try:
            json.loads(as_text(output), parse_constant=_no_constant)
        except ValueError as exc:
            return ScoreResult(self.name, 0.0, f"not JSON: {exc}")
        return ScoreResult(self.name, 1.0, "valid JSON")


class JsonSchema(BaseMetric):
    """1.0 when the output (JSON text, or a dict or list) is valid against a JSON Schema,
    given here or per item as ``schema``; the reason lists what does not fit."""

    name = "json_schema_metric"
    kind = "heuristic"

    def __init__(self, schema: dict[str, Any] | str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.schema = schema

    def score(self, output: Any, schema: dict[str, Any] | str | None = None) -> ScoreResult:
        jsonschema = require("jsonschema", "JsonSchema")
        given = schema if schema is not None else self.schema
        if given is None:
            raise ValueError("no schema: give JsonSchema(schema=...) or a 'schema' in the item")
        wanted = json.loads(given) if isinstance(given, str) else given
        validator = jsonschema.validators.validator_for(wanted)
        validator.check_schema(wanted)
        try:
            document = output if isinstance(output, dict | list) else json.loads(as_text(output))
        except ValueError as exc:
            return ScoreResult(self.name, 0.0, f"not JSON: {exc}")
        errors = sorted(validator(wanted).iter_errors(document), key=lambda e: list(e.path))
        if not errors:
            return ScoreResult(self.name, 1.0, "valid against the schema")
        problems = "; ".join(f"{e.json_path}: {e.message}" for e in errors[:5])
        return ScoreResult(self.name, 0.0, f"{len(errors)} problem(s): {problems}")


class LevenshteinRatio(_TextMetric):
    """Opik's Levenshtein ratio, ``1 - (insertions + deletions) / (len(a) + len(b))``
    (the Indel distance, as ``rapidfuzz`` and python-Levenshtein's ``ratio`` compute
    it), from 0.0 (disjoint) to 1.0 (equal), ignoring case unless ``case_sensitive``."""

    name = "levenshtein_ratio_metric"

    def score(self, output: Any, reference: Any) -> ScoreResult:
        from rapidfuzz.distance import Indel  # noqa: PLC0415 - loaded with the first score

        a, b = self.texts(output, reference)
        distance, total = Indel.distance(a, b), len(a) + len(b)
        return ScoreResult(
            self.name,
            1.0 - distance / total if total else 1.0,
            f"{distance} insertions and deletions over {total} characters",
        )
