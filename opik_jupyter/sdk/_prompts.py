"""The prompt library: versioned text and chat prompts, stored by the backend.

``Prompt("greeting", "Hello {{name}}")`` creates the prompt, or a new version of it when the
template (or its type or metadata) differs from the latest; ``Prompt("greeting")`` fetches
the latest. Each version has a short ``commit``. ``format()`` fills the template in and,
inside a traced function or cell, records the prompt on the current span's (or the cell's
trace's) metadata under ``opik_prompts``, as Opik's SDK does. The prompts routes are all in
this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ._context import current_span, current_trace
from ._rest import RestClient
from ._templates import TemplateError, check_type, render, variables
from ._transport import OpikJupyterError

if TYPE_CHECKING:
    import pandas as pd

PROMPTS = "v1/private/prompts"
Messages = list[dict[str, Any]]


class PromptNotFound(OpikJupyterError, LookupError):
    """No prompt (or no version with that commit) of this name."""


class Prompt:
    """A version of a text prompt in the prompt library.

    ``Prompt(name, template)`` creates the prompt or a new version of it (the latest is
    reused when nothing changed); ``Prompt(name)`` fetches the latest version.
    """

    template_structure: ClassVar[str] = "text"

    def __init__(
        self,
        name: str,
        prompt: str | None = None,
        *,
        type: str = "mustache",
        metadata: Mapping[str, Any] | None = None,
        change_description: str | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
        project_name: str | None = None,
        client: RestClient | None = None,
    ) -> None:
        self._client = client or RestClient()
        self.project_name = project_name
        if prompt is None:
            version = _retrieve(self._client, name, None)
            if version is None:
                raise PromptNotFound(f"no prompt named {name!r}; give a template to create it")
        else:
            template = self._template_text(prompt)
            self._check(template, type)
            version = _commit(
                self._client,
                name,
                template,
                self.template_structure,
                type=type,
                metadata=dict(metadata) if metadata is not None else None,
                change_description=change_description,
                description=description,
                tags=tags,
                project_name=project_name,
            )
        self._load(name, version)

    # -- the version -------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        """The template text (Opik's name for it)."""
        return self.template_text

    @property
    def variables(self) -> list[str]:
        """The template's top-level variables."""
        return variables(self.template_text, self.type)

    def format(self, **values: Any) -> Any:
        """The template with ``values`` filled in (recorded on the current span, if any).

        Raises :class:`TemplateError` naming a variable the template lacks or one not given.
        """
        formatted = render(self.template_text, self.type, values)
        self._record_use()
        return formatted

    # -- the prompt's history ----------------------------------------------------------

    def versions(self) -> list[Prompt]:
        """Every version of this prompt, newest first."""
        rows = [
            v for page in self._client.pages(f"{PROMPTS}/{self.prompt_id}/versions") for v in page
        ]
        return [self._sibling(row) for row in rows]

    def history(self) -> pd.DataFrame:
        """The versions as a DataFrame, newest first: commit, created_at, created_by, type,
        change_description, tags, template, version_id."""
        import pandas as pd  # noqa: PLC0415 - pandas loads only when asked for

        rows = [
            v for page in self._client.pages(f"{PROMPTS}/{self.prompt_id}/versions") for v in page
        ]
        return pd.DataFrame(
            {
                "commit": [r["commit"] for r in rows],
                "created_at": pd.to_datetime([r["created_at"] for r in rows], utc=True),
                "created_by": [r.get("created_by") for r in rows],
                "type": [r["type"] for r in rows],
                "change_description": [r.get("change_description") for r in rows],
                "tags": [r.get("tags") or [] for r in rows],
                "template": [r["template"] for r in rows],
                "version_id": [r["id"] for r in rows],
            }
        )

    def experiments(self) -> list[dict[str, Any]]:
        """The experiments that used a version of this prompt: id, name, dataset_id,
        created_at, prompt_version_id, commit."""
        found = self._client.json("GET", f"{PROMPTS}/{self.prompt_id}/experiments")
        return list((found or {}).get("content") or [])

    def info(self) -> dict[str, Any]:
        """What a span's ``metadata.opik_prompts`` holds about this version (Opik's form)."""
        version: dict[str, Any] = {
            "template": self._template_value(),
            "commit": self.commit,
            "id": self.version_id,
        }
        if self.metadata is not None:
            version["metadata"] = self.metadata
        return {
            "name": self.name,
            "id": self.prompt_id,
            "template_structure": self.template_structure,
            "version": version,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, commit={self.commit!r})"

    # -- helpers -----------------------------------------------------------------------

    def _template_text(self, prompt: Any) -> str:
        if not isinstance(prompt, str):
            raise TemplateError(f"a text prompt's template is a str, got {type(prompt).__name__}")
        return prompt

    def _template_value(self) -> Any:
        return self.template_text

    def _check(self, template: str, kind: str) -> None:
        variables(template, check_type(kind))

    def _load(self, name: str, version: Mapping[str, Any]) -> None:
        structure = version.get("template_structure") or "text"
        if structure != self.template_structure:
            raise TemplateError(
                f"prompt {name!r} is a {structure} prompt; use "
                f"{'ChatPrompt' if structure == 'chat' else 'Prompt'} for it"
            )
        self.name = name
        self.template_text: str = version["template"]
        self.type: str = version["type"]
        self.metadata: dict[str, Any] | None = version.get("metadata")
        self.commit: str = version["commit"]
        self.version_id: str = version["id"]
        self.prompt_id: str = version["prompt_id"]
        self.change_description: str | None = version.get("change_description")
        self.tags: list[str] = list(version.get("tags") or [])
        self.created_at: str | None = version.get("created_at")
        self.created_by: str | None = version.get("created_by")

    def _sibling(self, version: Mapping[str, Any]) -> Prompt:
        other = object.__new__(type(self))
        other._client = self._client
        other.project_name = self.project_name
        other._load(self.name, {**version, "template_structure": self.template_structure})
        return other

    def _record_use(self) -> None:
        """Add this version to ``metadata.opik_prompts`` of the current span (or of the
        current trace, a ``%%opik_track`` cell's root), once."""
        item = current_span() or current_trace()
        if item is None:
            return
        used = list((item.metadata or {}).get("opik_prompts") or [])
        if all(p.get("version", {}).get("id") != self.version_id for p in used):
            item.update(metadata={"opik_prompts": [*used, self.info()]})


class ChatPrompt(Prompt):
    """A version of a chat prompt: a list of ``{"role", "content"}`` messages whose text is
    a template. ``format()`` returns the messages filled in."""

    template_structure: ClassVar[str] = "chat"

    def __init__(
        self,
        name: str,
        messages: Sequence[Mapping[str, Any]] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(name, messages, **options)  # type: ignore[arg-type]

    @property
    def messages(self) -> Messages:
        """The messages of this version, unformatted."""
        parsed: Messages = json.loads(self.template_text)
        return parsed

    @property
    def variables(self) -> list[str]:
        return list(
            dict.fromkeys(v for text in _texts(self.messages) for v in variables(text, self.type))
        )

    def format(self, **values: Any) -> Messages:
        """The messages with ``values`` filled into every text (recorded on the current span)."""
        missing = sorted(set(self.variables) - set(values))
        extra = sorted(set(values) - set(self.variables))
        if missing or extra:
            problem = f"missing {', '.join(missing)}" if missing else f"unused {', '.join(extra)}"
            raise TemplateError(
                f"format() arguments do not match the prompt's variables ({problem}; its "
                f"variables: {', '.join(self.variables) or 'none'})"
            )
        formatted = [_format_message(m, self.type, values) for m in self.messages]
        self._record_use()
        return formatted

    def _template_text(self, prompt: Any) -> str:
        if not isinstance(prompt, Sequence) or isinstance(prompt, str):
            raise TemplateError("a chat prompt's messages are a list of {'role', 'content'} dicts")
        for n, message in enumerate(prompt):
            if not isinstance(message, Mapping) or not isinstance(message.get("role"), str):
                raise TemplateError(f"messages[{n}] needs a 'role' (str) and a 'content'")
            if not isinstance(message.get("content"), str | list):
                raise TemplateError(f"messages[{n}]['content'] must be text or a list of parts")
        return json.dumps([dict(m) for m in prompt])

    def _template_value(self) -> Any:
        return self.messages

    def _check(self, template: str, kind: str) -> None:
        check_type(kind)
        for text in _texts(json.loads(template)):
            variables(text, kind)


def get_prompt(
    name: str, commit: str | None = None, client: RestClient | None = None
) -> Prompt | ChatPrompt | None:
    """The latest version of the prompt ``name`` (or the version ``commit``), as a
    :class:`Prompt` or :class:`ChatPrompt`; None if there is none."""
    rest = client or RestClient()
    version = _retrieve(rest, name, commit)
    if version is None:
        return None
    kind = ChatPrompt if version.get("template_structure") == "chat" else Prompt
    found = object.__new__(kind)
    found._client = rest
    found.project_name = None
    found._load(name, version)
    return found


def _retrieve(client: RestClient, name: str, commit: str | None) -> dict[str, Any] | None:
    found: dict[str, Any] | None = client.json(
        "POST", f"{PROMPTS}/versions/retrieve", {"name": name, "commit": commit}
    )
    return found


def _commit(
    client: RestClient,
    name: str,
    template: str,
    structure: str,
    *,
    type: str,
    metadata: dict[str, Any] | None,
    change_description: str | None,
    description: str | None,
    tags: Sequence[str] | None,
    project_name: str | None,
) -> dict[str, Any]:
    """The latest version when it already has this content, else a new version (and the
    prompt, with its description and tags, on first use)."""
    latest = _retrieve(client, name, None)
    if latest is not None and (
        _same_template(latest["template"], template, structure)
        and latest["type"] == type
        and latest.get("metadata") == metadata
    ):
        return latest
    version = {"template": template, "type": type, "metadata": metadata}
    if change_description:
        version["change_description"] = change_description
    if latest is None and (description or tags):
        created = client.json(
            "POST",
            PROMPTS,
            {
                "name": name,
                "description": description,
                "tags": list(tags or []),
                "project_name": project_name,
                "template_structure": structure,
                **version,
            },
        )
        return dict(created["latest_version"])
    body = {
        "name": name,
        "version": version,
        "template_structure": structure,
        "project_name": project_name,
    }
    return dict(client.json("POST", f"{PROMPTS}/versions", body))


def _same_template(stored: str, new: str, structure: str) -> bool:
    if structure == "chat":
        return bool(json.loads(stored) == json.loads(new))
    return stored == new


def _texts(messages: Messages) -> list[str]:
    """Every template text of a chat prompt: message contents and the text of parts."""
    texts = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        else:
            texts += [_part_text(part) for part in content or []]
    return [t for t in texts if t]


def _part_text(part: Mapping[str, Any]) -> str:
    if part.get("type") == "text":
        return str(part.get("text") or "")
    url = (part.get(str(part.get("type"))) or {}).get("url") if isinstance(part, Mapping) else None
    return str(url or "")


def _format_message(
    message: Mapping[str, Any], kind: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    def fill(text: str) -> str:
        used = set(variables(text, kind))
        return render(text, kind, {k: v for k, v in values.items() if k in used})

    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": fill(content)}
    parts = []
    for part in content or []:
        kind_of = part.get("type")
        if kind_of == "text":
            parts.append({**part, "text": fill(str(part.get("text") or ""))})
        elif isinstance(part.get(kind_of), Mapping) and "url" in part[kind_of]:
            parts.append(
                {**part, kind_of: {**part[kind_of], "url": fill(str(part[kind_of]["url"]))}}
            )
        else:
            parts.append(dict(part))
    return {**message, "content": parts}
