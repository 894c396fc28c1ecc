import { describe, expect, it } from "vitest";
import { asText, fields, lineMatches, scoreCells } from "../lab/compare_cells";
import type { ExperimentItem } from "../lab/types";

const run = (id: string, scores: [string, number][], output: unknown = { output: "Paris" }): ExperimentItem => ({
  id,
  experiment_id: id,
  trace_id: `trace-${id}`,
  output: output as ExperimentItem["output"],
  feedback_scores: scores.map(([name, value]) => ({ name, value, source: "sdk" })),
});

describe("the comparison's cells", () => {
  it("reads an item's fields and an output as text, not JSON strings", () => {
    expect(fields({ question: "Capital of France?", context: ["a", "b"] })).toEqual([
      { name: "question", text: "Capital of France?" },
      { name: "context", text: '[\n  "a",\n  "b"\n]' },
    ]);
    expect(fields("plain")).toEqual([{ name: "value", text: "plain" }]);
    expect(asText({ output: 'He said "hi"\nthen left' })).toBe('He said "hi"\nthen left');
    expect(asText({ output: "x", extra: 1 })).toBe('{\n  "output": "x",\n  "extra": 1\n}');
  });

  it("gives each score its change against the baseline and marks regressions", () => {
    const base = run("a", [
      ["accuracy", 1],
      ["fluency", 0.5],
    ]);
    const other = run("b", [
      ["accuracy", 0],
      ["fluency", 0.75],
      ["new", 1],
    ]);
    expect(scoreCells(other, base).map((c) => [c.name, c.delta, c.mark])).toEqual([
      ["accuracy", -1, "regression"],
      ["fluency", 0.25, "improvement"],
      ["new", null, ""],
    ]);
    expect(scoreCells(base, base).every((c) => c.delta === null && c.mark === "")).toBe(true);
  });

  it("filters on item fields and outputs, any case", () => {
    const runs = [run("a", [], { output: "Lima" }), null];
    expect(lineMatches({ country: "Peru" }, runs, "peru")).toBe(true);
    expect(lineMatches({ country: "Peru" }, runs, "LIMA")).toBe(true);
    expect(lineMatches({ country: "Peru" }, runs, "paris")).toBe(false);
    expect(lineMatches({ country: "Peru" }, runs, "  ")).toBe(true);
  });
});
