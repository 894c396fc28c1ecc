import { describe, expect, it } from "vitest";
import history from "../widgets/prompt_history";
import { lineDiff, renderPromptHistory, templateLines, type PromptHistoryData } from "../views/prompts";
import { fakeModel } from "./experiment_fixtures";

const data = (): PromptHistoryData => ({
  name: "qa",
  template_structure: "text",
  versions: [
    {
      id: "v3",
      commit: "cccccccc",
      template: "Q: {{q}}\nBe terse.",
      type: "mustache",
      created_at: "2026-01-03T00:00:00Z",
    },
    {
      id: "v2",
      commit: "bbbbbbbb",
      template: "Q: {{q}}\nBe brief.",
      type: "mustache",
      created_at: "2026-01-02T00:00:00Z",
    },
    { id: "v1", commit: "aaaaaaaa", template: "Q: {{q}}", type: "mustache", created_at: "2026-01-01T00:00:00Z" },
  ],
  experiments: [
    {
      id: "e1",
      name: "terse-run",
      commit: "cccccccc",
      trace_count: 4,
      feedback_scores: [{ name: "accuracy", value: 0.75 }],
    },
  ],
});

const cells = (root: HTMLElement, selector: string) =>
  Array.from(root.querySelectorAll(selector), (cell) => cell.textContent);

describe("lineDiff", () => {
  it("pairs a removed line with the added one and keeps common lines", () => {
    expect(lineDiff(["a", "b", "c"], ["a", "x", "c", "d"]).map((r) => [r.kind, r.left, r.right])).toEqual([
      ["same", "a", "a"],
      ["changed", "b", "x"],
      ["same", "c", "c"],
      ["added", null, "d"],
    ]);
    expect(lineDiff(["a", "b"], ["b"]).map((r) => r.kind)).toEqual(["removed", "same"]);
  });

  it("compares chat prompts as indented JSON", () => {
    expect(templateLines('[{"role":"user","content":"hi"}]', "chat")).toContain('    "role": "user",');
  });
});

describe("the prompt history", () => {
  it("diffs the latest against the one before, and any two picked", () => {
    const root = document.createElement("div");
    renderPromptHistory(root, data());
    expect(cells(root, ".oj-diff-changed .oj-diff-left")).toEqual(["Be brief."]);
    expect(cells(root, ".oj-diff-changed .oj-diff-right")).toEqual(["Be terse."]);
    const before = root.querySelector<HTMLSelectElement>('select[aria-label="before"]')!;
    before.value = "aaaaaaaa";
    before.dispatchEvent(new Event("change"));
    expect(cells(root, ".oj-diff-added .oj-diff-right")).toEqual(["Be terse."]);
    root.querySelector<HTMLElement>('[data-commit="bbbbbbbb"]')!.click();
    expect(root.querySelector<HTMLSelectElement>('select[aria-label="after"]')!.value).toBe("bbbbbbbb");
    expect(cells(root, ".oj-diff-added .oj-diff-right")).toEqual(["Be brief."]);
  });

  it("lists the experiments of each version with their scores", () => {
    const root = document.createElement("div");
    const opened: string[] = [];
    renderPromptHistory(root, data(), { onExperiment: (id) => opened.push(id) });
    expect(cells(root, '[data-experiment="e1"] td')).toEqual(["cccccccc", "terse-run", "", "4", "0.75"]);
    root.querySelector<HTMLElement>('[data-experiment="e1"] a')!.click();
    expect(opened).toEqual(["e1"]);
    expect(cells(root, '[data-commit="cccccccc"] td').pop()).toBe("1");
  });

  it("renders the widget's synced data and redraws when it changes", () => {
    const model = fakeModel({ data: data() });
    const el = document.createElement("div");
    history.render({ model, el });
    expect(el.querySelectorAll(".oj-prompt-version")).toHaveLength(3);
    model.set("data", { ...data(), versions: data().versions.slice(1) });
    expect(el.querySelectorAll(".oj-prompt-version")).toHaveLength(2);
  });
});
