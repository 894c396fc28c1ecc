import { describe, expect, it } from "vitest";
import { toTraceData } from "../lab/panel_data";
import type { BackendSpan, BackendTrace } from "../lab/types";
// Shared with tests/notebook/test_view_model_contract.py: Python's from_stored and
// toTraceData must make the same view model of one stored trace.
import contract from "../../../tests/fixtures/trace_view_model.json";

describe("the trace view model contract", () => {
  it("toTraceData makes of the stored trace what Python's from_stored makes", () => {
    const { trace, spans, project_name } = contract.input;
    const made = toTraceData(trace as unknown as BackendTrace, spans as unknown as BackendSpan[], project_name);
    expect(made).toEqual(contract.expected);
  });
});
