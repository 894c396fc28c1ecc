/** A conversation drawn as turns: role, text, tool calls with their arguments, tool results. */
import { el } from "./dom";
import { longText, render as renderJson } from "./json";
import type { Message, ToolCall } from "./conversation";
import { safeClass } from "./timeline";
import type { Json } from "./types";

/** Characters of one turn's text shown before "show all". */
export const TURN_CHARS = 2_000;

export function renderConversation(messages: Message[]): HTMLElement {
  return el("div", { className: "oj-chat", attrs: { role: "list", "aria-label": "conversation" } }, messages.map(turn));
}

function turn(message: Message): HTMLElement {
  return el(
    "div",
    {
      className: `oj-turn oj-turn-${safeClass(message.role)}`,
      attrs: { role: "listitem", "data-role": message.role },
    },
    [
      el("div", { className: "oj-turn-head" }, [
        el("span", { className: "oj-turn-role", text: message.role }),
        message.tool_call_id
          ? el("span", { className: "oj-turn-call", text: ` · result of ${message.tool_call_id}` })
          : null,
      ]),
      message.text ? longText(message.text, TURN_CHARS, "oj-turn-text") : null,
      ...message.tool_calls.map(toolCall),
      ...message.parts.map(part),
    ],
  );
}

function toolCall(call: ToolCall): HTMLElement {
  return el("div", { className: "oj-tool-call" }, [
    el("div", { className: "oj-tool-call-head" }, [
      el("span", { className: "oj-tool-call-label", text: "calls " }),
      el("span", { className: "oj-tool-call-name", text: call.name }),
      call.id ? el("span", { className: "oj-tool-call-id", text: ` · ${call.id}` }) : null,
    ]),
    json(call.arguments),
  ]);
}

function part(value: Json): HTMLElement {
  return el("div", { className: "oj-turn-part" }, [json(value)]);
}

function json(value: Json): HTMLElement {
  const body = el("div", { className: "oj-json" });
  renderJson(body, value, { openDepth: 3 });
  return body;
}
