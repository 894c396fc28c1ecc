import { describe, expect, it, vi } from "vitest";
import { progressBar, renderAnnotation, type AnnotationState } from "../views/annotation";

const state = (overrides: Partial<AnnotationState> = {}): AnnotationState => ({
  queue: { id: "q1", name: "review", scope: "thread", instructions: "Be fair", comments_enabled: true },
  definitions: [
    {
      name: "correct",
      type: "categorical",
      options: [
        { label: "no", value: 0 },
        { label: "yes", value: 1 },
      ],
    },
    { name: "quality", type: "numerical", min: 1, max: 5 },
  ],
  items: [
    { id: "a", done: true },
    { id: "b", done: false },
  ],
  index: 1,
  item: {
    id: "b",
    scores: {},
    comments: [],
    turns: [{ id: "t1", name: "turn", input: { messages: [{ role: "user", content: "hi" }] }, output: "hello" }],
  },
  error: "",
  ...overrides,
});

describe("annotation form", () => {
  it("shows progress, the thread's turns and enables Save once every score is picked", () => {
    const box = document.createElement("div");
    const save = vi.fn();
    renderAnnotation(box, state(), { save, show: vi.fn() });
    expect(box.querySelector(".oj-progress-text")?.textContent).toBe("1 of 2 done");
    expect(box.querySelector(".oj-aq-position")?.textContent).toContain("Item 2 of 2");
    expect(box.querySelectorAll(".oj-chat .oj-turn").length).toBeGreaterThan(0);
    const button = box.querySelector<HTMLButtonElement>(".oj-aq-save")!;
    expect(button.disabled).toBe(true);
    box.querySelectorAll<HTMLButtonElement>(".oj-aq-option")[1].click();
    expect(button.disabled).toBe(true);
    const number = box.querySelector<HTMLInputElement>(".oj-aq-number")!;
    number.value = "9"; // outside 1..5: not taken
    number.dispatchEvent(new Event("input"));
    expect(button.disabled).toBe(true);
    number.value = "4";
    number.dispatchEvent(new Event("input"));
    expect(box.querySelector<HTMLInputElement>('input[type="range"]')!.value).toBe("4");
    box.querySelector<HTMLTextAreaElement>(".oj-aq-comment")!.value = "fine";
    button.click();
    expect(save).toHaveBeenCalledWith({ correct: 1, quality: 4 }, "fine");
  });

  it("shows stored scores as chosen and the backend's error", () => {
    const box = document.createElement("div");
    const item = { ...state().item!, scores: { correct: 0, quality: 2 } };
    renderAnnotation(box, state({ item, error: "quality: 9 is outside 1..5" }), { save: vi.fn(), show: vi.fn() });
    expect(box.querySelector(".oj-aq-chosen")?.textContent).toBe("no");
    expect(box.querySelector<HTMLButtonElement>(".oj-aq-save")!.disabled).toBe(false);
    expect(box.querySelector(".oj-aq-error")?.textContent).toBe("quality: 9 is outside 1..5");
  });

  it("says when the queue is empty; the bar is as full as the share done", () => {
    const box = document.createElement("div");
    renderAnnotation(box, state({ items: [], item: null }), { save: vi.fn(), show: vi.fn() });
    expect(box.textContent).toContain("This queue has no items yet.");
    const bar = progressBar(1, 4);
    expect((bar.querySelector(".oj-progress-fill") as HTMLElement).style.width).toBe("25%");
  });
});
