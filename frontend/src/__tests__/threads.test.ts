import { describe, expect, it } from "vitest";
import widget from "../widgets/threads";
import { renderThreads, textOf, turnMessages, type ThreadsData } from "../views/threads";
import { fakeModel } from "./experiment_fixtures";
import { XSS } from "./fixtures";

const data = (): ThreadsData => ({
  project: "support",
  threads: [
    {
      id: "conv-1",
      number_of_messages: 2,
      first_message: { question: "My order is late" },
      last_updated_at: "2026-01-02T10:00:00Z",
      duration: 61_000,
      total_estimated_cost: 0.000027,
      usage: { total_tokens: 1234 },
      status: "inactive",
      tags: ["vip"],
      feedback_scores: [{ name: "frustration", value: 0.25, reason: "calm" }],
      comments: [{ id: "c1", text: "handed to a person", created_by: "ana" }],
    },
    { id: "conv-2", number_of_messages: 1, first_message: XSS, status: "active" },
  ],
  selected: "conv-1",
  turns: [
    {
      id: "t1",
      input: { question: "My order is late" },
      output: { answer: "It ships tomorrow." },
      feedback_scores: [{ name: "helpful", value: 1 }],
    },
    {
      id: "t2",
      input: { messages: [{ role: "user", content: "Again?" }] },
      output: { choices: [{ message: { role: "assistant", content: "Refunded." } }] },
    },
  ],
});

describe("threads view", () => {
  it("lists the threads with turns, status, cost and scores", () => {
    const root = document.createElement("div");
    renderThreads(root, data(), () => undefined);
    const rows = root.querySelectorAll(".oj-thread-row");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("2 turns");
    expect(rows[0].textContent).toContain("inactive");
    expect(rows[0].textContent).toContain("$0.000027");
    expect(rows[0].querySelector(".oj-score")?.textContent).toBe("frustration 0.25");
    expect(rows[0].classList.contains("oj-selected")).toBe(true);
    expect(rows[1].textContent).toContain("1 turn");
    expect(root.querySelector("img")).toBeNull(); // text, never markup
    expect(rows[1].querySelector(".oj-thread-preview")?.textContent).toBe(XSS);
  });

  it("shows the selected thread as a chat with per-turn scores, thread scores and comments", () => {
    const root = document.createElement("div");
    renderThreads(root, data(), () => undefined);
    const detail = root.querySelector(".oj-thread-detail")!;
    expect(detail.getAttribute("data-thread")).toBe("conv-1");
    const turns = detail.querySelectorAll(".oj-thread-turn");
    expect(turns).toHaveLength(2);
    const roles = [...detail.querySelectorAll(".oj-turn")].map((t) => t.getAttribute("data-role"));
    expect(roles).toEqual(["user", "assistant", "user", "assistant"]);
    expect(turns[0].querySelector(".oj-score")?.textContent).toBe("helpful 1");
    expect(turns[1].textContent).toContain("Refunded.");
    expect(detail.querySelector(".oj-thread-comment")?.textContent).toContain("handed to a person");
    expect(detail.textContent).toContain("Comments (1)");
    expect(detail.textContent).toContain("1234 tokens");
    expect(detail.querySelector(".oj-tag")?.textContent).toBe("vip");
  });

  it("reads text from known keys, a lone value, or JSON", () => {
    expect(textOf({ question: "q" })).toBe("q");
    expect(textOf({ whatever: "lone" })).toBe("lone");
    expect(textOf({ a: 1, b: 2 })).toBe('{"a":1,"b":2}');
    expect(turnMessages({ id: "x", input: "hi" }).map((m) => m.role)).toEqual(["user"]);
  });

  it("says what to do when there are no threads", () => {
    const root = document.createElement("div");
    renderThreads(root, { project: "empty", threads: [] }, () => undefined);
    expect(root.textContent).toContain("No threads yet");
  });
});

describe("Threads widget", () => {
  it("selects a thread through the model and redraws when its turns arrive", () => {
    const state: Record<string, unknown> = { data: data(), selected: "conv-1", turns: data().turns };
    const model = fakeModel(state);
    const el = document.createElement("div");
    widget.render({ model, el });
    (el.querySelectorAll(".oj-thread-row")[1] as HTMLElement).click();
    expect(state.selected).toBe("conv-2");
    expect(model.saves).toBe(1);
    expect(el.querySelector(".oj-thread-detail")?.getAttribute("data-thread")).toBe("conv-2");
    model.set("turns", [{ id: "t9", input: "hello", output: "hi there" }]);
    expect(el.querySelector(".oj-thread-turn")?.textContent).toContain("hi there");
  });
});
