"""An LLM call as a conversation: the messages of its input (OpenAI chat, Anthropic, the
Responses API, LangChain) followed by the reply in its output, one turn per message.

The same reading is done in TypeScript for the live views
(``frontend/src/views/conversation.ts``); ``tests/fixtures/conversations.json`` pins both.
A turn is ``{role, text, tool_calls: [{id, name, arguments}], tool_call_id, parts}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Message = dict[str, Any]

_ROLES = {"human": "user", "ai": "assistant", "developer": "system", "model": "assistant"}
_TEXT_PARTS = {"text", "input_text", "output_text"}


def conversation(input: Any, output: Any) -> list[Message] | None:
    """The turns of an LLM call, or ``None`` when its input holds no messages."""
    if not isinstance(input, Mapping):
        return None
    opening = [
        _message("system", text)
        for key in ("system", "instructions")
        if (text := _text_of(input.get(key)))
    ]
    turns = _input_turns(input)
    if turns is None:
        return None
    replies = _output_turns(output)
    said = [turn for turn in replies if not _is_empty(turn)]
    return [*opening, *(t for item in turns for t in _from_item(item)), *(said or replies)]


def _is_empty(turn: Message) -> bool:
    return not turn["text"] and not turn["tool_calls"] and not turn["parts"]


def _input_turns(input: Mapping[str, Any]) -> list[Any] | None:
    messages = input.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], list):
        messages = messages[0]
    if isinstance(messages, list):
        return messages
    given = input.get("input")
    if isinstance(given, list):
        return given
    if isinstance(given, str):
        return [{"role": "user", "content": given}]
    if isinstance(input.get("prompt"), str):
        return [{"role": "user", "content": input["prompt"]}]
    return None


def _output_turns(output: Any) -> list[Message]:
    if isinstance(output, str):
        return [_message("assistant", output)]
    if not isinstance(output, Mapping):
        return []
    choices = output.get("choices")
    if isinstance(choices, list):
        return [
            turn for choice in choices for turn in _from_item(_choice_message(choice), "assistant")
        ]
    if {"role", "content", "tool_calls"} & output.keys():
        extra = output.get("output")
        items = [output, *(extra if isinstance(extra, list) else ())]
        return [turn for item in items for turn in _from_item(item, "assistant")]
    text = output.get("text")
    return [_message("assistant", text)] if isinstance(text, str) else []


def _choice_message(choice: Any) -> Any:
    """A choice of a raw completion holds its ``message``; a recorded one is the message."""
    if isinstance(choice, Mapping) and isinstance(choice.get("message"), Mapping):
        return choice["message"]
    return choice


def _from_item(item: Any, fallback_role: str = "user") -> list[Message]:
    """One input or output item as turns (an Anthropic tool_result block becomes a tool turn)."""
    if isinstance(item, str):
        return [_message(fallback_role, item)]
    if not isinstance(item, Mapping):
        return [_message(fallback_role, "", parts=[item])]
    if item.get("type") == "function_call":
        return [_message("assistant", "", tool_calls=[_tool_call(item)])]
    if item.get("type") == "function_call_output":
        return [_tool_result(_str(item.get("call_id")), item.get("output"))]
    raw_role = _str(item.get("role")) or _str(item.get("type")) or fallback_role
    turn = _message(_ROLES.get(raw_role, raw_role), "")
    turn["tool_call_id"] = _str(item.get("tool_call_id"))
    texts: list[str] = []
    results: list[Message] = []
    content = item.get("content")
    for part in content if isinstance(content, list) else [content]:
        _read_part(part, turn, texts, results)
    turn["text"] = "\n\n".join(texts)
    calls = item.get("tool_calls")
    turn["tool_calls"].extend(
        _tool_call(call) for call in (calls if isinstance(calls, list) else ())
    )
    if isinstance(item.get("function_call"), Mapping):
        turn["tool_calls"].append(_tool_call(item["function_call"]))
    return results if _is_empty(turn) and results else [turn, *results]


def _read_part(part: Any, turn: Message, texts: list[str], results: list[Message]) -> None:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if part is None:
        return
    if isinstance(part, str):
        texts.append(part)
    elif kind in _TEXT_PARTS and isinstance(part.get("text"), str):
        texts.append(part["text"])
    elif kind == "tool_use":
        turn["tool_calls"].append(_tool_call(part))
    elif kind == "tool_result":
        results.append(_tool_result(_str(part.get("tool_use_id")), part.get("content")))
    else:
        turn["parts"].append(part)


def _tool_call(call: Any) -> dict[str, Any]:
    obj = call if isinstance(call, Mapping) else {}
    fn = obj["function"] if isinstance(obj.get("function"), Mapping) else obj
    args = next((fn[k] for k in ("arguments", "input", "args") if fn.get(k) is not None), None)
    return {
        "id": _str(obj.get("id")) or _str(obj.get("call_id")),
        "name": _str(fn.get("name")) or "tool",
        "arguments": _parsed(args),
    }


def _tool_result(call_id: str | None, content: Any) -> Message:
    text = _text_of(content)
    parts = [content] if text is None and content is not None else []
    turn = _message("tool", text or "", parts=parts)
    turn["tool_call_id"] = call_id
    return turn


def _text_of(value: Any) -> str | None:
    """The text of a string or of a list of text blocks; ``None`` for anything else."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return None
    texts = [
        part
        if isinstance(part, str)
        else part["text"]
        if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        else None
        for part in value
    ]
    return None if any(t is None for t in texts) else "\n\n".join(texts)  # type: ignore[arg-type]


def _parsed(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _message(
    role: str,
    text: str,
    tool_calls: list[dict[str, Any]] | None = None,
    parts: list[Any] | None = None,
) -> Message:
    return {
        "role": role,
        "text": text,
        "tool_calls": tool_calls or [],
        "tool_call_id": None,
        "parts": parts or [],
    }


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
