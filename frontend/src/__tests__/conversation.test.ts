import { describe, expect, it } from "vitest";
import { renderConversation } from "../views/chat";
import { conversation } from "../views/conversation";
import { render } from "../views/tree";
import type { Json } from "../views/types";
import { XSS, span, traceData } from "./fixtures";
// Shared with tests/notebook/test_conversation.py: Python reads the same turns for the export.
import fixture from "../../../tests/fixtures/conversations.json";

const cases = fixture as unknown as { name: string; input: Json; output: Json; expected: unknown }[];

describe("conversation", () => {
  for (const case_ of cases) {
    it(`reads ${case_.name} as Python does`, () => {
      expect(conversation(case_.input, case_.output)).toEqual(case_.expected);
    });
  }

  it("is null for a span whose input holds no messages", () => {
    expect(conversation("just text", "reply")).toBeNull();
    expect(conversation({ messages: "not a list" }, null)).toBeNull();
  });
});

const chatSpan = span("llm1", null, 0, 20, {
  type: "llm",
  name: "chat.completions.create",
  input: cases[0].input,
  output: cases[0].output,
  metadata: { temperature: 0 },
});

describe("the conversation in the tree's details", () => {
  const opened = () => {
    const host = document.createElement("div");
    render(host, traceData([chatSpan]));
    (host.querySelector('.oj-row[data-id="llm1"]') as HTMLElement).click();
    return host;
  };

  it("shows an LLM call's turns with their roles, expanded, tool calls and results", () => {
    const host = opened();
    const roles = Array.from(host.querySelectorAll(".oj-turn")).map((n) => n.getAttribute("data-role"));
    expect(roles).toEqual(["system", "user", "assistant", "tool", "assistant"]);
    expect(host.querySelector(".oj-section:has(.oj-chat)")?.hasAttribute("open")).toBe(true);
    expect(host.querySelector(".oj-tool-call-name")?.textContent).toBe("get_weather");
    expect(host.querySelector(".oj-tool-call .oj-json")?.textContent).toContain("Paris");
    expect(host.querySelectorAll(".oj-turn-tool .oj-turn-head")[0].textContent).toBe("tool · result of call_1");
    expect(host.querySelector(".oj-turn:last-child .oj-turn-text")?.textContent).toBe("It is 18 C and sunny in Paris.");
  });

  it("keeps the JSON one click away, and the choice across redraws", () => {
    const host = opened();
    const summaries = () => Array.from(host.querySelectorAll(".oj-section > summary")).map((n) => n.textContent);
    expect(summaries()).toEqual(["Conversation", "Metadata"]);
    (
      Array.from(host.querySelectorAll(".oj-switch-option")).find((b) => b.textContent === "JSON") as HTMLElement
    ).click();
    expect(summaries()).toEqual(["Input", "Output", "Metadata"]);
    expect(host.querySelector(".oj-chat")).toBeNull();
    render(host, traceData([chatSpan]));
    expect(summaries()).toEqual(["Input", "Output", "Metadata"]);
  });

  it("leaves spans that are not LLM calls as JSON", () => {
    const host = document.createElement("div");
    render(host, traceData([span("t1", null, 0, 1, { type: "tool", input: cases[0].input })]));
    (host.querySelector('.oj-row[data-id="t1"]') as HTMLElement).click();
    expect(host.querySelector(".oj-chat")).toBeNull();
    expect(host.querySelector(".oj-switch")).toBeNull();
  });

  it("draws message text as text and cuts a long turn with a control", () => {
    const long = "word ".repeat(1000);
    const node = renderConversation([
      { role: "user", text: XSS, tool_calls: [], tool_call_id: null, parts: [] },
      { role: "assistant", text: long, tool_calls: [], tool_call_id: null, parts: [] },
    ]);
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".oj-turn-text")?.textContent).toBe(XSS);
    const more = node.querySelector(".oj-more") as HTMLElement;
    expect(more.textContent).toBe("show all (5,000 chars)");
    more.click();
    expect(node.querySelectorAll(".oj-turn-text")[1].textContent).toBe(long);
  });
});
