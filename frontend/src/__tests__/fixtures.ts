import type { TraceData, TreeNode } from "../views/types";

export const XSS = "<img src=x onerror=alert(1)>";

export function span(
  id: string,
  parent: string | null,
  start: number,
  duration: number | null,
  extra: Partial<TreeNode> = {},
): TreeNode {
  return { id, parent_id: parent, name: id, type: "general", start_ms: start, duration_ms: duration, ...extra };
}

export function traceData(spans: TreeNode[], extra: Partial<TraceData> = {}): TraceData {
  return {
    trace: {
      id: "t",
      parent_id: null,
      name: "cell",
      type: "trace",
      start_ms: 0,
      duration_ms: 100,
      total_tokens: 30,
      total_cost: 0.0012,
    },
    spans,
    ...extra,
  };
}
