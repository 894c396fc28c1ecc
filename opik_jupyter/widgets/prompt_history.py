"""``PromptHistory``: a prompt's versions, a side-by-side diff of any two, and the
experiments that used each version with their score averages."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import anywidget
import traitlets

from ..sdk import get_prompt
from ..sdk._prompts import Prompt, PromptNotFound
from ..sdk._rest import RestClient
from ._assets import asset
from ._html import esc
from ._static import StaticFallback

_CELL = "padding:3px 8px;border-bottom:1px solid #d1d9e0;text-align:left;vertical-align:top"
_TABLE = "font-family:system-ui,sans-serif;font-size:13px;border-collapse:collapse"
_DIFF = "font-family:ui-monospace,monospace;white-space:pre-wrap;padding:1px 6px"
_REMOVED = {"delete": "background:#ffebe9", "replace": "background:#ffebe9"}
_ADDED = {"insert": "background:#dafbe1", "replace": "background:#dafbe1"}


class PromptHistory(StaticFallback, anywidget.AnyWidget):
    """The history of a prompt (a :class:`Prompt`/:class:`ChatPrompt` or its name): its
    versions newest first; pick any two to compare them line by line; the experiments
    that ran with each version and their scores. A static table in exported notebooks."""

    _esm = asset("prompt_history.js")
    _css = asset("prompts.css")

    data = traitlets.Dict().tag(sync=True)
    """``{"name", "template_structure", "versions": [...], "experiments": [...]}``."""

    def __init__(
        self, prompt: Prompt | str, *, client: RestClient | None = None, **kwargs: Any
    ) -> None:
        found = get_prompt(prompt, client=client) if isinstance(prompt, str) else prompt
        if found is None:
            raise PromptNotFound(f"no prompt named {prompt!r}")
        super().__init__(data=history_model(found), **kwargs)

    def refresh(self) -> None:
        """Read the versions and experiments again."""
        found = get_prompt(self.data["name"])
        if found is not None:
            self.data = history_model(found)

    def static_text(self) -> str:
        return history_text(self.data)

    def static_html(self) -> str:
        return history_html(self.data)


def history_model(prompt: Prompt) -> dict[str, Any]:
    """What the widget renders: the prompt's versions and the experiments that used them."""
    versions = [
        {
            "id": v.version_id,
            "commit": v.commit,
            "template": v.template_text,
            "type": v.type,
            "created_at": v.created_at,
            "created_by": v.created_by,
            "change_description": v.change_description,
            "tags": v.tags,
        }
        for v in prompt.versions()
    ]
    return {
        "name": prompt.name,
        "template_structure": prompt.template_structure,
        "versions": versions,
        "experiments": prompt.experiments(),
    }


def template_lines(template: str, structure: str) -> list[str]:
    """A template's lines as compared: a chat prompt's messages as indented JSON."""
    if structure == "chat":
        try:
            return json.dumps(json.loads(template), indent=2).split("\n")
        except json.JSONDecodeError:
            pass
    return template.split("\n")


def diff_rows(before: Sequence[str], after: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(kind, left, right)`` rows of a side-by-side line diff (kind: difflib's tag)."""
    rows: list[tuple[str, str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = before[i1:i2], after[j1:j2]
        for n in range(max(len(left), len(right))):
            rows.append((tag, left[n] if n < len(left) else "", right[n] if n < len(right) else ""))
    return rows


def _scores(experiment: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{s['name']} {float(s['value']):.3g}" for s in experiment.get("feedback_scores") or ()
    )


def history_text(data: Mapping[str, Any]) -> str:
    """Plain text: a line per version, then per experiment."""
    versions = data.get("versions") or []
    lines = [
        f"Prompt {data.get('name')} ({data.get('template_structure')}): {len(versions)} versions"
    ]
    for v in versions:
        change = f" - {v['change_description']}" if v.get("change_description") else ""
        lines.append(f"  {v['commit']}  {v.get('created_at') or ''}  {v['type']}{change}")
    for e in data.get("experiments") or []:
        lines.append(
            f"  experiment {e['name']} used {e.get('commit')}: {_scores(e) or 'no scores'}"
        )
    return "\n".join(lines)


def history_html(data: Mapping[str, Any]) -> str:
    """Static HTML: the versions table, the diff of the latest against the one before,
    and the experiments with their scores."""
    versions = data.get("versions") or []
    head = "".join(
        f'<th style="{_CELL}">{h}</th>' for h in ("commit", "created", "type", "change", "tags")
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td style="{_CELL}">{esc(value)}</td>'
            for value in (
                v["commit"],
                v.get("created_at"),
                v["type"],
                v.get("change_description") or "",
                ", ".join(v.get("tags") or []),
            )
        )
        + "</tr>"
        for v in versions
    )
    return (
        f"<div><b>Prompt {esc(data.get('name'))}</b> ({esc(data.get('template_structure'))}, "
        f"{len(versions)} versions)"
        f'<table style="{_TABLE}"><tr>{head}</tr>{rows}</table>'
        f"{_diff_html(data)}{_experiments_html(data)}</div>"
    )


def _diff_html(data: Mapping[str, Any]) -> str:
    versions = data.get("versions") or []
    if len(versions) < 2:
        return ""
    new, old = versions[0], versions[1]
    structure = str(data.get("template_structure"))
    rows = "".join(
        f'<tr><td style="{_DIFF};{_REMOVED.get(kind, "")}">{esc(left)}</td>'
        f'<td style="{_DIFF};{_ADDED.get(kind, "")}">{esc(right)}</td></tr>'
        for kind, left, right in diff_rows(
            template_lines(old["template"], structure), template_lines(new["template"], structure)
        )
    )
    return (
        f'<div style="margin-top:8px"><b>{esc(old["commit"])} → {esc(new["commit"])}</b></div>'
        f'<table style="{_TABLE};width:100%">{rows}</table>'
    )


def _experiments_html(data: Mapping[str, Any]) -> str:
    experiments = data.get("experiments") or []
    if not experiments:
        return ""
    rows = "".join(
        f'<tr><td style="{_CELL}">{esc(e.get("commit"))}</td><td style="{_CELL}">'
        f'{esc(e["name"])}</td><td style="{_CELL}">{esc(_scores(e))}</td></tr>'
        for e in experiments
    )
    head = "".join(f'<th style="{_CELL}">{h}</th>' for h in ("version", "experiment", "scores"))
    return (
        '<div style="margin-top:8px"><b>Experiments</b></div>'
        f'<table style="{_TABLE}"><tr>{head}</tr>{rows}</table>'
    )
