import { describe, expect, it } from "vitest";
import {
  apiPath,
  changedProjects,
  comparisonLines,
  errorMessage,
  feedItem,
  mergeFeed,
  notebookFilter,
  parseBody,
  preview,
  scoreFromForm,
  commentFromForm,
  commentLines,
  MAX_COMMENT_LENGTH,
  toTraceData,
  type FeedItem,
} from "../lab/panel_data";
import type { BackendSpan, BackendTrace, Experiment, Project } from "../lab/types";

const T0 = "2026-01-01T10:00:00.000Z";
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const project = (id: string, updated: string | null, count = 1): Project => ({
  id,
  name: `p-${id}`,
  trace_count: count,
  last_updated_trace_at: updated,
});
const item = (id: string, projectId: string, start: string): FeedItem => ({
  id,
  name: id,
  project_id: projectId,
  project: projectId,
  start_time: start,
  duration_ms: 1,
  running: false,
  tokens: null,
  cost: null,
  scores: [],
  error: false,
  notebook: null,
});

describe("apiPath", () => {
  it("joins the path and leaves out empty parameters", () => {
    expect(apiPath("v1/private/traces", { project_id: "p", size: 50, search: "", filters: null })).toBe(
      "api/v1/private/traces?project_id=p&size=50",
    );
    expect(apiPath("/is-alive/ping")).toBe("api/is-alive/ping");
  });

  it("encodes parameter values", () => {
    expect(apiPath("x", { search: "a b&c" })).toBe("api/x?search=a+b%26c");
  });
});

describe("parseBody and errorMessage", () => {
  it("parses JSON, NDJSON as a list, and an empty body as null", () => {
    expect(parseBody('{"a":1}', "application/json")).toEqual({ a: 1 });
    expect(parseBody('{"a":1}\n{"a":2}\n', "application/x-ndjson")).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseBody("", null)).toBeNull();
  });

  it("takes the backend's message and field errors, else the text", () => {
    expect(errorMessage(422, '{"code":422,"message":"bad","errors":["traces[0].id: not v7"]}')).toBe(
      "bad: traces[0].id: not v7",
    );
    expect(errorMessage(502, "Bad Gateway")).toBe("Bad Gateway");
    expect(errorMessage(500, "")).toBe("HTTP 500");
  });
});

describe("notebookFilter", () => {
  it("matches the end of the kernel's absolute notebook path", () => {
    expect(JSON.parse(notebookFilter("work/a.ipynb"))).toEqual([
      { field: "metadata", key: "notebook_path", operator: "ends_with", value: "/work/a.ipynb" },
    ]);
  });
});

describe("toTraceData", () => {
  const trace: BackendTrace = {
    id: "t",
    name: "cell",
    start_time: T0,
    end_time: at(1000),
    duration: 1000,
    usage: { total_tokens: 7 },
    total_estimated_cost: 0.5,
    feedback_scores: [{ name: "q", value: 1, reason: "good" }],
    span_count: 2,
    error_info: { exception_type: "ValueError", message: "boom", traceback: "tb" },
  };
  const spans: BackendSpan[] = [
    {
      id: "s2",
      trace_id: "t",
      parent_span_id: "s1",
      name: "llm",
      type: "llm",
      start_time: at(200),
      end_time: at(700),
      model: "gpt",
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    },
    { id: "s1", trace_id: "t", name: "answer", start_time: at(100), end_time: at(900) },
  ];

  it("makes times relative to the trace start and keeps the tree links", () => {
    const data = toTraceData(trace, spans, "proj");
    expect(data.spans.map((s) => [s.id, s.parent_id, s.start_ms, s.duration_ms, s.type])).toEqual([
      ["s1", null, 100, 800, "general"],
      ["s2", "s1", 200, 500, "llm"],
    ]);
    expect(data.trace).toMatchObject({
      name: "cell",
      type: "trace",
      project: "proj",
      total_tokens: 7,
      total_cost: 0.5,
      span_count: 2,
    });
    expect(data.trace.scores).toEqual([{ name: "q", value: 1, reason: "good" }]);
    expect(data.trace.error).toEqual({ exception_type: "ValueError", message: "boom", traceback: "tb" });
    expect(data.live).toBe(false);
  });

  it("shows a trace without an end as running, timed up to now", () => {
    const running = toTraceData({ id: "t", start_time: T0 }, [], undefined, Date.parse(T0) + 250);
    expect(running.live).toBe(true);
    expect(running.elapsed_ms).toBe(250);
    expect(running.trace.duration_ms).toBeNull();
  });

  it("counts spans it did not get as omitted, and sums span tokens when the trace has none", () => {
    const data = toTraceData({ ...trace, usage: null, span_count: 5 }, spans);
    expect(data.omitted).toBe(3);
    expect(data.trace.total_tokens).toBe(7);
  });
});

describe("feedItem", () => {
  it("reads the notebook path, running state and scores of a trace", () => {
    const row = feedItem(
      {
        id: "t",
        name: "In [3]",
        start_time: T0,
        metadata: { notebook_path: "/r/a.ipynb" },
        feedback_scores: [{ name: "q", value: 0.5 }],
      },
      project("p", T0),
    );
    expect(row).toMatchObject({
      id: "t",
      project: "p-p",
      running: true,
      duration_ms: null,
      notebook: "/r/a.ipynb",
      scores: [{ name: "q", value: 0.5, reason: null }],
    });
  });
});

describe("mergeFeed", () => {
  it("replaces the rows of re-read projects, drops deleted projects, keeps the newest", () => {
    const old = [item("a1", "a", at(1)), item("b1", "b", at(2)), item("c1", "c", at(3))];
    const fresh = [item("a2", "a", at(5)), item("a1", "a", at(1))];
    const merged = mergeFeed(old, fresh, new Set(["a"]), new Set(["a", "b"]), 2);
    expect(merged.map((i) => i.id)).toEqual(["a2", "b1"]);
  });
});

describe("changedProjects", () => {
  it("picks projects with traces whose last trace update is new", () => {
    const seen = new Map([
      ["a", T0],
      ["b", T0],
    ]);
    const projects = [project("a", T0), project("b", at(1)), project("c", at(2)), project("d", null, 0)];
    expect(changedProjects(projects, seen).map((p) => p.id)).toEqual(["b", "c"]);
  });
});

describe("comparisonLines", () => {
  it("lines up each experiment's item per dataset item, null where it did not run", () => {
    const experiments = [
      { id: "e1", name: "one", dataset_id: "d" },
      { id: "e2", name: "two", dataset_id: "d" },
    ] as Experiment[];
    const lines = comparisonLines(
      [{ id: "i", data: { q: 1 }, experiment_items: [{ id: "x", experiment_id: "e2", trace_id: "t" }] }],
      experiments,
    );
    expect(lines[0].runs.map((r) => r?.id ?? null)).toEqual([null, "x"]);
  });
});

describe("preview and scoreFromForm", () => {
  it("shows JSON on one line, cut", () => {
    expect(preview({ a: "x".repeat(10) }, 8)).toBe('{"a":"xx…');
    expect(preview("<b>text</b>")).toBe("<b>text</b>");
    expect(preview(null)).toBe("");
  });

  it("checks the annotation form", () => {
    expect(scoreFromForm(" quality ", "0.5", " fine ")).toEqual({
      score: { name: "quality", value: 0.5, source: "ui", reason: "fine" },
    });
    expect(scoreFromForm("q", "1", "")).toEqual({ score: { name: "q", value: 1, source: "ui" } });
    expect(scoreFromForm("", "1", "").error).toMatch(/name/);
    expect(scoreFromForm("q", "abc", "").error).toMatch(/number/);
    expect(scoreFromForm("q", " ", "").error).toMatch(/number/);
  });
});

describe("comments", () => {
  it("checks the comment form apart from the score form", () => {
    expect(commentFromForm("  looks wrong \n")).toEqual({ comment: { text: "looks wrong" } });
    expect(commentFromForm(" \n ").error).toMatch(/text/);
    expect(commentFromForm("x".repeat(MAX_COMMENT_LENGTH)).comment?.text).toHaveLength(MAX_COMMENT_LENGTH);
    expect(commentFromForm("x".repeat(MAX_COMMENT_LENGTH + 1)).error).toMatch(/at most/);
  });

  it("lists a trace's comments oldest first, with who and when, as text", () => {
    const lines = commentLines([
      { id: "c2", text: "<b>second</b>", created_at: at(2000), last_updated_at: at(3000), created_by: "alice" },
      { id: "c1", text: "first", created_at: at(1000), last_updated_at: at(1000), created_by: "admin" },
      { id: "c3", text: "no author" },
    ]);
    expect(lines.map((line) => line.id)).toEqual(["c3", "c1", "c2"]);
    expect(lines[1]).toEqual({ id: "c1", text: "first", by: "admin", when: at(1000), edited: false });
    expect(lines[2]).toMatchObject({ text: "<b>second</b>", by: "alice", edited: true });
    expect(lines[0]).toMatchObject({ by: "", when: null });
    expect(commentLines(undefined)).toEqual([]);
    expect(commentLines(null)).toEqual([]);
  });
});
