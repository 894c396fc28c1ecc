import { describe, expect, it } from "vitest";
import { classify } from "../views/comparison_table";
// Shared with tests/evaluation/test_regression_marks.py: Python's classify (the static HTML
// table) and this one (the widget) must mark a score against the baseline's alike.
import contract from "../../../tests/fixtures/regression_marks.json";

type Case = [number | null, number | null, boolean, number, string];

describe("the regression marks contract", () => {
  it("classify marks every case as Python's classify does", () => {
    const cases = contract.cases as Case[];
    const made = cases.map(([value, base, lowerIsBetter, threshold]) => [
      value,
      base,
      lowerIsBetter,
      threshold,
      classify(value ?? undefined, base ?? undefined, lowerIsBetter, threshold),
    ]);
    expect(made).toEqual(cases);
  });
});
