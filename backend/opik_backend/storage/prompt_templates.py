"""Prompt templates: checked before a version is stored, and their variables listed.

A template is ``mustache`` (``{{name}}``, sections ``{{#x}}…{{/x}}``, inverted sections,
comments, partials) or ``jinja2``. A ``chat`` prompt's template is a JSON list of messages
(``{"role": ..., "content": ...}``) whose text is a template of the version's type.
"""

from __future__ import annotations

import json
import re

import jinja2
import jinja2.meta
import jinja2.sandbox

from ..errors import ValidationFailed

TEMPLATE_TYPES = ("mustache", "jinja2")
STRUCTURES = ("text", "chat")

_MUSTACHE_TAG = re.compile(r"\{\{(\{)?(.*?)\}\}(\})?", re.DOTALL)
_NAME = re.compile(r"^[^\s{}]+$")
_JINJA = jinja2.sandbox.SandboxedEnvironment()


def variables(template: str, kind: str, structure: str) -> list[str]:
    """The variables of ``template`` in order of first use; 422 naming the problem when
    the type is unknown, the template does not parse or a chat template is not messages."""
    if kind not in TEMPLATE_TYPES:
        raise ValidationFailed(
            f"type: unknown template type {kind!r}; use one of {', '.join(TEMPLATE_TYPES)}"
        )
    if structure not in STRUCTURES:
        raise ValidationFailed(
            f"template_structure: unknown structure {structure!r}; use text or chat"
        )
    if structure == "chat":
        _check_messages(template)
    return _mustache_variables(template) if kind == "mustache" else _jinja_variables(template)


def _check_messages(template: str) -> None:
    try:
        messages = json.loads(template)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"template: a chat prompt's template must be JSON: {exc}") from exc
    if not isinstance(messages, list) or not all(_is_message(m) for m in messages):
        raise ValidationFailed(
            "template: a chat prompt's template must be a JSON list of messages, each an "
            'object with a string "role" and a "content" (text or a list of parts)'
        )


def _is_message(message: object) -> bool:
    return (
        isinstance(message, dict)
        and isinstance(message.get("role"), str)
        and isinstance(message.get("content"), str | list)
    )


def _mustache_variables(template: str) -> list[str]:
    """Variable and section names; unbalanced sections and unclosed tags are errors."""
    found: dict[str, None] = {}
    open_sections: list[str] = []
    for match in _MUSTACHE_TAG.finditer(template):
        triple_open, body, triple_close = match.groups()
        if bool(triple_open) != bool(triple_close):
            raise ValidationFailed(f"template: unbalanced triple braces in {match[0]!r}")
        sigil, name = _split_tag(body.strip(), match[0])
        if sigil == "!":
            continue
        if sigil == "/":
            if not open_sections or open_sections.pop() != name:
                raise ValidationFailed(f"template: {{{{/{name}}}}} closes no open section")
            continue
        if sigil in ("#", "^"):
            open_sections.append(name)
        if sigil != ">":
            found.setdefault(name.split(".")[0])
    if open_sections:
        raise ValidationFailed(f"template: section {{{{#{open_sections[-1]}}}}} is never closed")
    rest = _MUSTACHE_TAG.sub("", template)
    if "{{" in rest:
        raise ValidationFailed("template: a '{{' tag is never closed with '}}'")
    return list(found)


def _split_tag(body: str, tag: str) -> tuple[str, str]:
    sigil = body[:1] if body[:1] and body[:1] in "#^/!>&" else ""
    name = body[len(sigil) :].strip()
    if sigil == "!":
        return sigil, name
    if body.startswith("=") or not _NAME.match(name):
        raise ValidationFailed(f"template: {tag!r} is not a mustache tag with a variable name")
    return sigil, name


def _jinja_variables(template: str) -> list[str]:
    try:
        parsed = _JINJA.parse(template)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationFailed(
            f"template: jinja2 syntax error on line {exc.lineno}: {exc.message}"
        ) from exc
    return sorted(jinja2.meta.find_undeclared_variables(parsed))
