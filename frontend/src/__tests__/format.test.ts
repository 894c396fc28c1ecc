import { describe, expect, it } from "vitest";
import { formatCost, formatDuration, formatTokens, truncate } from "../views/format";
// Shared with tests/notebook/test_format.py: Python writes costs by the same rules.
import costs from "../../../tests/fixtures/cost_format.json";

describe("format", () => {
  it.each([
    [null, "–"],
    [0.25, "0.25 ms"],
    [42.4, "42 ms"],
    [1500, "1.50 s"],
    [125_000, "2 min 5 s"],
  ])("formats a duration of %s ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [formatCost, undefined, ""],
    [formatTokens, 1234, "1234"],
    [formatTokens, 123_456, "123k"],
  ] as const)("formats costs and tokens (%#)", (format, value, text) => {
    expect(format(value)).toBe(text);
  });

  it.each(costs.map((c) => [c.value, c.text] as const))("writes a cost of %s as Python does: %s", (value, text) => {
    expect(formatCost(value)).toBe(text);
  });

  it("truncates long text and says so", () => {
    expect(truncate("abcdef", 3)).toEqual({ text: "abc", cut: true });
    expect(truncate("abc", 3)).toEqual({ text: "abc", cut: false });
  });
});
