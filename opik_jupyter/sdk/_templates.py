"""Prompt templates, rendered: ``mustache`` and ``jinja2``.

Mustache here is what prompts use: ``{{name}}`` (and ``{{{name}}}``, ``{{&name}}``) insert a
value as text, unescaped; ``{{#x}}…{{/x}}`` renders its body when ``x`` is truthy, once per
element of a list (an element that is a dict adds its keys); ``{{^x}}…{{/x}}`` when ``x`` is
falsy; ``{{! comment }}`` renders nothing; dotted names look into dicts. Jinja2 templates
render in a sandbox with undefined variables as errors.

Formatting checks the variables both ways: a variable the template uses and the call does
not give, and one the call gives that the template does not use, are :class:`TemplateError`
naming them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import jinja2
import jinja2.meta
import jinja2.sandbox

from ._transport import OpikJupyterError

TEMPLATE_TYPES = ("mustache", "jinja2")
_TAG = re.compile(r"\{\{(\{)?\s*([#^/!&>]?)\s*(.*?)\s*\}\}(\})?", re.DOTALL)
_JINJA = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)


class TemplateError(OpikJupyterError, ValueError):
    """A template that does not parse, an unknown template type, or format() arguments
    that do not match the template's variables."""


@dataclasses.dataclass
class _Node:
    kind: str  # "text", "var", "section", "inverted"
    value: str
    children: list[_Node] = dataclasses.field(default_factory=list)


def check_type(kind: str) -> str:
    if kind not in TEMPLATE_TYPES:
        raise TemplateError(
            f"unknown template type {kind!r}; use one of {', '.join(TEMPLATE_TYPES)}"
        )
    return kind


def variables(template: str, kind: str) -> list[str]:
    """The top-level variables of ``template``, in order of first use."""
    if check_type(kind) == "jinja2":
        return sorted(jinja2.meta.find_undeclared_variables(_jinja_parse(template)))
    return list(dict.fromkeys(_top_names(_parse(template))))


def render(template: str, kind: str, values: Mapping[str, Any]) -> str:
    """``template`` with ``values`` filled in; :class:`TemplateError` naming a variable
    the template lacks or one ``values`` does not give."""
    wanted = set(variables(template, kind))
    missing = sorted(wanted - set(values))
    if missing:
        raise TemplateError(f"format() is missing the template's variables: {', '.join(missing)}")
    extra = sorted(set(values) - wanted)
    if extra:
        raise TemplateError(
            f"format() got variables the template does not use: {', '.join(extra)} "
            f"(its variables: {', '.join(sorted(wanted)) or 'none'})"
        )
    if kind == "jinja2":
        try:
            return _JINJA.from_string(template).render(**values)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"jinja2 could not render the template: {exc}") from exc
    return "".join(_render(node, [dict(values)]) for node in _parse(template))


def _jinja_parse(template: str) -> Any:
    try:
        return _JINJA.parse(template)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"jinja2 syntax error on line {exc.lineno}: {exc.message}") from exc


def _parse(template: str) -> list[_Node]:
    """The mustache template as a tree; :class:`TemplateError` when it does not parse."""
    root = _Node("section", "")
    stack = [root]
    position = 0
    for match in _TAG.finditer(template):
        _text(stack[-1], template[position : match.start()])
        position = match.end()
        triple_open, sigil, name, triple_close = match.groups()
        if bool(triple_open) != bool(triple_close):
            raise TemplateError(f"unbalanced triple braces in {match[0]!r}")
        if sigil == "!":
            continue
        if not name or re.search(r"[\s{}]", name) or sigil == ">":
            raise TemplateError(f"{match[0]!r} is not a mustache tag this library renders")
        if sigil in ("#", "^"):
            node = _Node("section" if sigil == "#" else "inverted", name)
            stack[-1].children.append(node)
            stack.append(node)
        elif sigil == "/":
            if len(stack) == 1 or stack[-1].value != name:
                raise TemplateError(f"{{{{/{name}}}}} closes no open section")
            stack.pop()
        else:
            stack[-1].children.append(_Node("var", name))
    _text(stack[-1], template[position:])
    if len(stack) > 1:
        raise TemplateError(f"section {{{{#{stack[-1].value}}}}} is never closed")
    return root.children


def _text(parent: _Node, text: str) -> None:
    if "{{" in text:
        raise TemplateError("a '{{' tag is never closed with '}}'")
    if text:
        parent.children.append(_Node("text", text))


def _top_names(nodes: list[_Node]) -> list[str]:
    names = []
    for node in nodes:
        if node.kind != "text":
            names.append(node.value.split(".")[0])
        if node.kind == "inverted":
            names += _top_names(node.children)
    return names


def _lookup(name: str, scopes: list[dict[str, Any]]) -> Any:
    head, *rest = name.split(".")
    for scope in reversed(scopes):
        if head in scope:
            value = scope[head]
            for part in rest:
                value = value.get(part) if isinstance(value, Mapping) else None
            return value
    return None


def _render(node: _Node, scopes: list[dict[str, Any]]) -> str:
    if node.kind == "text":
        return node.value
    value = _lookup(node.value, scopes)
    if node.kind == "var":
        return "" if value is None else str(value)
    if node.kind == "inverted":
        return "" if value else _children(node, scopes)
    if not value:
        return ""
    items = value if isinstance(value, list | tuple) else [value]
    return "".join(
        _children(node, [*scopes, dict(item) if isinstance(item, Mapping) else {}])
        for item in items
    )


def _children(node: _Node, scopes: list[dict[str, Any]]) -> str:
    return "".join(_render(child, scopes) for child in node.children)
