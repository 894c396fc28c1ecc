import { describe, expect, it } from "vitest";
import { OpikClient, type Fetch } from "../lab/client";
import { LiveFeed } from "../lab/feed";
import { ago, costOrDash, statusText } from "../lab/text";
import type { BackendStatus, BackendTrace, Project } from "../lab/types";

/** A fake proxy: answers from ``routes`` by path prefix and records every call. */
function fakeFetch(routes: Record<string, (path: string, init?: RequestInit) => unknown>) {
  const calls: { path: string; init?: RequestInit }[] = [];
  const fetch = (async (path: string, init?: RequestInit) => {
    calls.push({ path, init });
    const route = Object.keys(routes).find((prefix) => path.startsWith(prefix));
    if (!route) throw new Error(`unexpected ${path}`);
    return routes[route](path, init);
  }) as Fetch;
  return { fetch, calls };
}

const page = <T>(content: T[]) => ({ page: 1, size: content.length, total: content.length, content });
const trace = (id: string, start: string): BackendTrace => ({ id, name: id, start_time: start, end_time: start });

describe("OpikClient", () => {
  it("asks the proxy for a project's newest traces without their payloads", async () => {
    const { fetch, calls } = fakeFetch({ "api/v1/private/traces": () => page([]) });
    await new OpikClient(fetch).traces({ id: "p1", name: "p" }, { search: " hi ", notebook: "a.ipynb", size: 10 });
    const url = new URL(calls[0].path, "http://x/");
    expect(url.pathname).toBe("/api/v1/private/traces");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      project_id: "p1",
      size: "10",
      search: "hi",
      exclude: "input,output",
    });
    expect(JSON.parse(url.searchParams.get("filters")!)[0].value).toBe("/a.ipynb");
  });

  it("reads a trace with its spans and project name", async () => {
    const { fetch } = fakeFetch({
      "api/v1/private/traces/t1": () => ({
        id: "t1",
        name: "cell",
        project_id: "p1",
        start_time: "2026-01-01T00:00:00Z",
        end_time: "2026-01-01T00:00:01Z",
      }),
      "api/v1/private/spans": () =>
        page([{ id: "s", trace_id: "t1", name: "llm", type: "llm", start_time: "2026-01-01T00:00:00.5Z" }]),
      "api/v1/private/projects/p1": () => ({ id: "p1", name: "proj" }),
    });
    const data = await new OpikClient(fetch).trace("t1");
    expect(data.trace.project).toBe("proj");
    expect(data.spans.map((s) => [s.name, s.start_ms, s.duration_ms])).toEqual([["llm", 500, null]]);
  });

  it("PUTs a score as JSON", async () => {
    const { fetch, calls } = fakeFetch({ "api/v1/private/traces/t1/feedback-scores": () => null });
    await new OpikClient(fetch).addScore("t1", { name: "q", value: 1, source: "ui", reason: "ok" });
    expect(calls[0].init?.method).toBe("PUT");
    expect(JSON.parse(calls[0].init?.body as string)).toEqual({ name: "q", value: 1, source: "ui", reason: "ok" });
  });

  it("POSTs a comment to the trace's comments", async () => {
    const { fetch, calls } = fakeFetch({ "api/v1/private/traces/t%2F1/comments": () => null });
    await new OpikClient(fetch).addComment("t/1", { text: "looks wrong" });
    expect(calls[0].path).toBe("api/v1/private/traces/t%2F1/comments");
    expect(calls[0].init?.method).toBe("POST");
    expect(JSON.parse(calls[0].init?.body as string)).toEqual({ text: "looks wrong" });
  });

  it("asks for a comparison of experiments as a JSON list", async () => {
    const { fetch, calls } = fakeFetch({ "api/v1/private/datasets/d1/items/experiments/items": () => page([]) });
    await new OpikClient(fetch).comparison("d1", ["e1", "e2"], 2);
    const url = new URL(calls[0].path, "http://x/");
    expect(JSON.parse(url.searchParams.get("experiment_ids")!)).toEqual(["e1", "e2"]);
    expect(url.searchParams.get("page")).toBe("2");
  });
});

describe("LiveFeed", () => {
  function world() {
    const projects: Project[] = [{ id: "a", name: "A", trace_count: 1, last_updated_trace_at: "1" }];
    const traces: Record<string, BackendTrace[]> = { a: [trace("a1", "2026-01-01T00:00:01Z")] };
    const { fetch, calls } = fakeFetch({
      "api/v1/private/projects": () => page(projects),
      "api/v1/private/traces": (path) => page(traces[new URL(path, "http://x/").searchParams.get("project_id")!] ?? []),
    });
    return { projects, traces, calls, feed: new LiveFeed(new OpikClient(fetch), 3) };
  }
  const traceCalls = (calls: { path: string }[]) =>
    calls.filter((c) => c.path.startsWith("api/v1/private/traces")).length;

  it("reads only the projects whose newest trace changed", async () => {
    const { projects, traces, calls, feed } = world();
    expect(await feed.poll()).toBe(true);
    expect(feed.items.map((i) => i.id)).toEqual(["a1"]);
    expect(await feed.poll()).toBe(false);
    expect(traceCalls(calls)).toBe(1);
    projects.push({ id: "b", name: "B", trace_count: 1, last_updated_trace_at: "2" });
    traces.b = [trace("b1", "2026-01-01T00:00:02Z")];
    expect(await feed.poll()).toBe(true);
    expect(feed.items.map((i) => [i.id, i.project])).toEqual([
      ["b1", "B"],
      ["a1", "A"],
    ]);
    expect(traceCalls(calls)).toBe(2);
  });

  it("starts over when the query changes, and narrows to one project", async () => {
    const { projects, traces, feed } = world();
    projects.push({ id: "b", name: "B", trace_count: 1, last_updated_trace_at: "2" });
    traces.b = [trace("b1", "2026-01-01T00:00:02Z")];
    await feed.poll();
    feed.setQuery({ projectId: "a" });
    expect(feed.items).toEqual([]);
    await feed.poll();
    expect(feed.items.map((i) => i.id)).toEqual(["a1"]);
  });

  it("drops the rows of a deleted project", async () => {
    const { projects, feed } = world();
    await feed.poll();
    projects.splice(0, 1);
    expect(await feed.poll()).toBe(true);
    expect(feed.items).toEqual([]);
  });
});

describe("statusText and ago", () => {
  const status: BackendStatus = {
    mode: "embedded",
    url: "http://127.0.0.1:1/api",
    pid: 42,
    managed: true,
    healthy: true,
    restarts: 0,
    version: "0.1",
    data_dir: "/d",
    error: null,
  };

  it("says whether the backend is up and who runs it", () => {
    expect(statusText(status, null)).toMatchObject({
      state: "connected",
      detail: "embedded, managed by Jupyter · pid 42",
    });
    expect(statusText({ ...status, mode: "remote", managed: false }, null).detail).toBe("remote backend · pid 42");
    expect(statusText({ ...status, healthy: false, error: "gone" }, null)).toMatchObject({
      state: "down",
      detail: "gone",
    });
    const hung = { ...status, healthy: false, answering: false, error: "pid 42 runs but does not answer" };
    expect(statusText(hung, null)).toMatchObject({ state: "not answering", detail: hung.error });
    expect(statusText({ ...status, healthy: false, answering: null }, null).state).toBe("starting");
    expect(statusText(null, "Forbidden").state).toBe("unreachable");
  });

  it("tells how long ago", () => {
    const now = Date.parse("2026-01-01T01:00:00Z");
    expect(ago("2026-01-01T00:59:50Z", now)).toBe("10 s ago");
    expect(ago("2026-01-01T00:59:58Z", now)).toBe("just now");
    expect(ago("2026-01-01T00:55:00Z", now)).toBe("5 min ago");
    expect(ago("2026-01-01T00:00:00Z", now)).toBe("1 h ago");
    expect(ago(null, now)).toBe("");
  });
});

describe("costOrDash", () => {
  it("writes the real figure, a dash when there is none", () => {
    expect(costOrDash(0.000013)).toBe("$0.000013");
    expect(costOrDash(1.5)).toBe("$1.50");
    expect(costOrDash(0)).toBe("–");
    expect(costOrDash(null)).toBe("–");
  });
});
