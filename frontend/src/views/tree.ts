/** The span tree of one trace: a row per span with a timeline bar, and a details panel. */
import { clear, el } from "./dom";
import { formatCost, formatDuration, formatScore, formatTime, formatTokens } from "./format";
import { render as renderAttachments } from "./attachments";
import { renderConversation } from "./chat";
import { conversation } from "./conversation";
import { render as renderJson } from "./json";
import { copyButton } from "./copy";
import { searchBox } from "./search";
import { barGeometry, render as renderBar, safeClass } from "./timeline";
import type { Json, Score, TraceData, TreeNode } from "./types";

export interface TreeCallbacks {
  /** Called when the user selects a node (the trace or a span). */
  onSelect?: (id: string) => void;
  /** The host shows the trace's id already: the details show only spans' ids. */
  traceIdShown?: boolean;
}

export interface Row {
  node: TreeNode;
  depth: number;
  hasChildren: boolean;
}

interface ViewState {
  collapsed: Set<string>;
  selected: string | null;
  /** An LLM call's input and output shown as JSON instead of as a conversation. */
  asJson: boolean;
  /** Text that span names, types or models must contain (empty: every row). */
  filter: string;
  /** The name column's width in pixels, once the user dragged its edge. */
  nameWidth: number | null;
  /** The search box, kept across renders so that typing keeps its focus. */
  search: HTMLInputElement | null;
}

/** From this many rows on, the tree has a search box and expand/collapse-all buttons. */
export const BIG_TREE = 12;
export const MIN_NAME_WIDTH = 140;

const states = new WeakMap<HTMLElement, ViewState>();

/** Depth-first rows: the trace, then its spans under their parents, ordered by start. */
export function buildRows(data: TraceData): Row[] {
  const root = data.trace;
  const ids = new Set(data.spans.map((span) => span.id));
  const children = new Map<string, TreeNode[]>();
  for (const span of data.spans) {
    const parent = span.parent_id && ids.has(span.parent_id) ? span.parent_id : root.id;
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.start_ms - b.start_ms || a.id.localeCompare(b.id));
  const rows: Row[] = [];
  const seen = new Set<string>();
  const walk = (node: TreeNode, depth: number) => {
    if (seen.has(node.id)) return; // a cycle in bad data must not hang the page
    seen.add(node.id);
    const kids = children.get(node.id) ?? [];
    rows.push({ node, depth, hasChildren: kids.length > 0 });
    for (const kid of kids) walk(kid, depth + 1);
  };
  walk(root, 0);
  return rows;
}

/** Rows not hidden under a collapsed ancestor. */
export function visibleRows(rows: Row[], collapsed: Set<string>): Row[] {
  const out: Row[] = [];
  let hideDeeperThan = Infinity;
  for (const row of rows) {
    if (row.depth > hideDeeperThan) continue;
    hideDeeperThan = Infinity;
    out.push(row);
    if (collapsed.has(row.node.id)) hideDeeperThan = row.depth;
  }
  return out;
}

/** The rows whose name, type or model contains ``text`` (any case), with their ancestors. */
export function filterRows(rows: Row[], text: string): Row[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return rows;
  const keep = new Set<Row>();
  const path: Row[] = [];
  for (const row of rows) {
    path.length = row.depth;
    path.push(row);
    const node = row.node;
    const hay = `${node.name} ${node.type} ${node.model ?? ""}`.toLowerCase();
    if (hay.includes(needle)) for (const kept of path) keep.add(kept);
  }
  return rows.filter((row) => keep.has(row));
}

/** The timeline's length: the trace's duration, or (while it runs) the time elapsed. */
export function timelineLength(data: TraceData): number {
  const ends = data.spans.map((span) => span.start_ms + (span.duration_ms ?? 0));
  return Math.max(data.trace.duration_ms ?? 0, data.elapsed_ms ?? 0, ...ends, 1);
}

export function render(container: HTMLElement, data: TraceData, callbacks: TreeCallbacks = {}): void {
  const state = states.get(container) ?? {
    collapsed: new Set<string>(),
    selected: null,
    asJson: false,
    filter: "",
    nameWidth: null,
    search: null,
  };
  states.set(container, state);
  const rows = buildRows(data);
  if (!state.selected || !rows.some((row) => row.node.id === state.selected)) state.selected = data.trace.id;
  const rerender = () => render(container, data, callbacks);
  const select = (id: string) => {
    state.selected = id;
    callbacks.onSelect?.(id);
    rerender();
  };
  const toggle = (id: string) => {
    if (state.collapsed.has(id)) state.collapsed.delete(id);
    else state.collapsed.add(id);
    rerender();
  };
  const total = timelineLength(data);
  const shown = state.filter ? filterRows(rows, state.filter) : visibleRows(rows, state.collapsed);
  const list = el("div", { className: "oj-rows", attrs: { role: "tree" } }, [
    columnHeads(state, resizeName),
    ...shown.map((row) =>
      rowNode(row, total, row.node.id === state.selected, state.collapsed.has(row.node.id), select, toggle),
    ),
  ]);
  function resizeName(width: number) {
    state.nameWidth = width;
    list.style.setProperty("--oj-name-col", `${width}px`);
  }
  if (state.nameWidth) list.style.setProperty("--oj-name-col", `${state.nameWidth}px`);
  if (state.filter && shown.length === 0)
    list.appendChild(el("div", { className: "oj-note", text: `no span matches “${state.filter}”` }));
  const selected = rows.find((row) => row.node.id === state.selected)?.node ?? data.trace;
  const flip = () => {
    state.asJson = !state.asJson;
    rerender();
  };
  const tools = rows.length >= BIG_TREE ? toolbar(rows, state, rerender) : null;
  const root = el("div", { className: "oj-tree" }, [
    header(data),
    tools,
    list,
    details(selected, state.asJson, flip, data.trace.start_time, callbacks.traceIdShown),
  ]);
  if (data.omitted) root.appendChild(el("div", { className: "oj-note", text: `${data.omitted} more spans not shown` }));
  clear(container);
  container.appendChild(root);
}

/** Search, and expand or collapse every row at once (big trees only). */
function toolbar(rows: Row[], state: ViewState, rerender: () => void): HTMLElement {
  state.search ??= searchBox({
    placeholder: "find a span: name, type, model…",
    label: "find spans",
    delayMs: 150,
    onSearch: (text) => {
      state.filter = text;
      rerender();
    },
  });
  const all = (collapse: boolean) => () => {
    const parents = rows.filter((row) => row.hasChildren && row.depth > 0); // the trace stays open
    state.collapsed = new Set(collapse ? parents.map((row) => row.node.id) : []);
    rerender();
  };
  const button = (text: string, onClick: () => void) =>
    el("button", { className: "oj-button", text, attrs: { type: "button" }, onClick });
  return el("div", { className: "oj-tree-tools" }, [
    state.search,
    button("expand all", all(false)),
    button("collapse all", all(true)),
  ]);
}

function header(data: TraceData): HTMLElement {
  const trace = data.trace;
  const unstored = !data.live && data.delivery ? UNSTORED[data.delivery] : null;
  const status = data.live ? "running" : trace.error ? "error" : unstored ? null : "ok";
  return el("div", { className: "oj-header" }, [
    el("span", { className: "oj-title", text: trace.name }),
    status ? el("span", { className: `oj-status oj-status-${status}`, text: status }) : null,
    unstored
      ? el("span", { className: "oj-status oj-status-unstored", text: unstored.text, title: unstored.title })
      : null,
    stat("duration", formatDuration(data.live ? data.elapsed_ms : trace.duration_ms)),
    stat("spans", `${data.spans.length + (data.omitted ?? 0)}`),
    trace.total_tokens ? stat("tokens", formatTokens(trace.total_tokens)) : null,
    trace.total_cost ? stat("cost", formatCost(trace.total_cost)) : null,
    scoreChips(trace.scores),
  ]);
}

/** What a finished tree says while its trace is not in the backend (as the static HTML). */
const UNSTORED = {
  spilled: {
    text: "spilled · not yet stored",
    title: "The backend did not answer: this trace waits on disk and is sent when it is back.",
  },
  pending: { text: "not yet stored", title: "This trace is still queued for the backend." },
};

function stat(label: string, value: string): HTMLElement {
  return el("span", { className: "oj-stat" }, [
    el("span", { className: "oj-stat-label", text: `${label} ` }),
    el("span", { className: "oj-stat-value", text: value }),
  ]);
}

function columnHeads(state: ViewState, resized: (width: number) => void): HTMLElement {
  const column = el("div", { className: "oj-cell-head-name" }, [
    el("div", { className: "oj-cell-name", text: "span" }),
  ]);
  column.appendChild(resizer(column, state, resized));
  return el("div", { className: "oj-row oj-row-head" }, [
    column,
    el("div", { className: "oj-cell-num", text: "tokens" }),
    el("div", { className: "oj-cell-num", text: "cost" }),
    el("div", { className: "oj-cell-num", text: "duration" }),
    el("div", { className: "oj-cell-timeline", text: "timeline" }),
  ]);
}

/** The name column's right edge: drag it, or focus it and press the arrow keys. */
function resizer(cell: HTMLElement, state: ViewState, resized: (width: number) => void): HTMLElement {
  const handle = el("div", {
    className: "oj-col-resize",
    title: "drag to resize the span column",
    attrs: { role: "separator", "aria-orientation": "vertical", "aria-label": "resize the span column", tabindex: "0" },
  });
  const width = () => state.nameWidth ?? cell.getBoundingClientRect().width;
  const set = (px: number) => resized(Math.max(MIN_NAME_WIDTH, Math.round(px)));
  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    event.stopPropagation();
    const startX = event.clientX;
    const startWidth = width();
    const move = (e: PointerEvent) => set(startWidth + e.clientX - startX);
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  });
  handle.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 20 : event.key === "ArrowLeft" ? -20 : 0;
    if (!step) return;
    event.preventDefault();
    set(width() + step);
  });
  return handle;
}

function rowNode(
  row: Row,
  total: number,
  selected: boolean,
  collapsed: boolean,
  select: (id: string) => void,
  toggle: (id: string) => void,
): HTMLElement {
  const node = row.node;
  const twisty = row.hasChildren
    ? el("button", {
        className: "oj-toggle",
        text: collapsed ? "▸" : "▾",
        attrs: { type: "button", "aria-label": collapsed ? "expand" : "collapse" },
        onClick: (event) => {
          event.stopPropagation();
          toggle(node.id);
        },
      })
    : el("span", { className: "oj-toggle-space" });
  const name = el("div", { className: "oj-cell-name" }, [
    twisty,
    el("span", { className: `oj-type oj-type-${safeClass(node.type)}`, text: node.type }),
    el("span", { className: "oj-name", text: node.name, title: node.name }),
    node.model ? el("span", { className: "oj-model", text: node.model }) : null,
    node.error ? el("span", { className: "oj-error-badge", text: "error", title: node.error.message }) : null,
    scoreChips(node.scores),
  ]);
  name.style.paddingLeft = `${row.depth * 16 + 4}px`;
  const timeline = el("div", { className: "oj-cell-timeline" });
  const bar = barGeometry(node.start_ms, node.duration_ms, total);
  renderBar(
    timeline,
    bar,
    node.type,
    `starts at +${formatDuration(node.start_ms)}, ${bar.running ? "running" : formatDuration(node.duration_ms)}`,
  );
  const classes = ["oj-row", selected ? "oj-selected" : "", node.error ? "oj-error" : ""].filter(Boolean);
  return el(
    "div",
    {
      className: classes.join(" "),
      attrs: { role: "treeitem", "data-id": node.id, "aria-selected": `${selected}`, tabindex: "0" },
      onClick: () => select(node.id),
    },
    [
      name,
      el("div", { className: "oj-cell-num", text: formatTokens(node.usage?.total_tokens) }),
      el("div", { className: "oj-cell-num", text: formatCost(node.cost) }),
      el("div", {
        className: "oj-cell-num",
        text: node.duration_ms === null ? "running" : formatDuration(node.duration_ms),
      }),
      timeline,
    ],
  );
}

function scoreChips(scores: Score[] | undefined): HTMLElement | null {
  if (!scores || scores.length === 0) return null;
  return el(
    "span",
    { className: "oj-scores" },
    scores.map((score) =>
      el("span", {
        className: "oj-score",
        text: `${score.name} ${formatScore(score.value)}`,
        title: score.reason ?? "",
      }),
    ),
  );
}

function details(
  node: TreeNode,
  asJson: boolean,
  flip: () => void,
  startTime?: string | null,
  traceIdShown = false,
): HTMLElement {
  const facts = [
    node.type !== "trace" ? `type ${node.type}` : "",
    node.type === "trace" && startTime ? `started ${formatTime(startTime)}` : "",
    node.type !== "trace" ? `starts at +${formatDuration(node.start_ms)}` : "",
    node.ttft ? `first token after ${formatDuration(node.ttft)}` : "",
    node.model ? `model ${node.model}` : "",
    node.provider ? `provider ${node.provider}` : "",
    node.usage?.total_tokens
      ? `tokens ${node.usage.prompt_tokens ?? "?"} + ${node.usage.completion_tokens ?? "?"} = ${node.usage.total_tokens}`
      : "",
    node.cost ? `cost ${formatCost(node.cost)}` : "",
    node.tags && node.tags.length ? `tags ${node.tags.join(", ")}` : "",
  ].filter(Boolean);
  const panel = el("div", { className: "oj-details" }, [
    el("div", { className: "oj-details-title", text: node.name }),
    facts.length ? el("div", { className: "oj-facts", text: facts.join(" · ") }) : null,
    node.type === "trace" && traceIdShown ? null : idLine(node),
    node.error ? errorBlock(node) : null,
    renderAttachments(node.attachments),
  ]);
  const turns = node.type === "llm" ? conversation(node.input, node.output) : null;
  if (turns) panel.appendChild(switcher(asJson, flip));
  const payloads: [string, Json | undefined][] =
    turns && !asJson
      ? [["Metadata", node.metadata]]
      : [
          ["Input", node.input],
          ["Output", node.output],
          ["Metadata", node.metadata],
        ];
  if (turns && !asJson) panel.appendChild(section("Conversation", renderConversation(turns), true));
  for (const [label, value] of payloads) {
    if (value === undefined || value === null) continue;
    const body = el("div", { className: "oj-json" });
    renderJson(body, value);
    panel.appendChild(section(label, body, label !== "Metadata"));
  }
  return panel;
}

/** The trace's or span's id, and a button that copies it. */
function idLine(node: TreeNode): HTMLElement {
  const kind = node.type === "trace" ? "trace" : "span";
  return el("div", { className: "oj-id-line" }, [
    el("span", { className: "oj-stat-label", text: `${kind} id` }),
    el("code", { className: "oj-id", text: node.id }),
    copyButton(node.id, { text: "Copy", label: `copy the ${kind} id` }),
  ]);
}

function section(label: string, body: HTMLElement, open: boolean): HTMLElement {
  return el("details", { className: "oj-section", attrs: open ? { open: "" } : {} }, [
    el("summary", { text: label }),
    body,
  ]);
}

/** The two ways of reading an LLM call: as a conversation or as the JSON it was given. */
function switcher(asJson: boolean, flip: () => void): HTMLElement {
  const option = (label: string, pressed: boolean) =>
    el("button", {
      className: `oj-switch-option${pressed ? " oj-pressed" : ""}`,
      text: label,
      attrs: { type: "button", "aria-pressed": `${pressed}` },
      onClick: pressed ? undefined : flip,
    });
  return el("div", { className: "oj-switch", attrs: { role: "group", "aria-label": "show as" } }, [
    option("Conversation", !asJson),
    option("JSON", asJson),
  ]);
}

function errorBlock(node: TreeNode): HTMLElement {
  const error = node.error!;
  return el("div", { className: "oj-error-block" }, [
    el("div", { className: "oj-error-title", text: `${error.exception_type}: ${error.message}` }),
    error.traceback
      ? el("details", {}, [el("summary", { text: "traceback" }), el("pre", { text: error.traceback })])
      : null,
  ]);
}
