/** A page of traces with a text filter and a pager; clicking a row asks to open it. */
import { clear, el } from "./dom";
import { formatCost, formatDuration, formatScore, formatTime, formatTokens } from "./format";
import { searchBox } from "./search";
import type { TableData, TraceRow } from "./types";

export interface TableCallbacks {
  onPage?: (page: number) => void;
  onSearch?: (text: string) => void;
  onOpen?: (traceId: string) => void;
  onRefresh?: () => void;
}

interface Parts {
  title: HTMLElement;
  search: HTMLInputElement;
  body: HTMLElement;
  pager: HTMLElement;
  status: HTMLElement;
  callbacks: TableCallbacks;
}

const parts = new WeakMap<HTMLElement, Parts>();
const COLUMNS = ["name", "start", "duration", "tokens", "cost", "scores", ""];

/** First and last row numbers of a page (1-based), and the number of pages. */
export function pageRange(page: number, pageSize: number, total: number, shown: number) {
  const first = total === 0 || shown === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = first === 0 ? 0 : first + shown - 1;
  return { first, last, pages: Math.max(1, Math.ceil(total / Math.max(pageSize, 1))) };
}

export function render(container: HTMLElement, data: TableData, callbacks: TableCallbacks = {}): void {
  const view = parts.get(container) ?? skeleton(container);
  view.callbacks = callbacks;
  view.title.textContent = `Traces · ${data.project}`;
  if (document.activeElement !== view.search) view.search.value = data.search;
  view.status.textContent = data.error ? data.error : data.loading ? "loading…" : "";
  view.status.className = data.error ? "oj-table-status oj-error-text" : "oj-table-status";
  clear(view.body);
  if (data.rows.length === 0) {
    const empty = el("td", { className: "oj-empty", text: data.search ? "no trace matches" : "no traces yet" });
    empty.setAttribute("colspan", `${COLUMNS.length}`);
    view.body.appendChild(el("tr", {}, [empty]));
  }
  for (const row of data.rows) view.body.appendChild(rowNode(row, view));
  renderPager(view, data);
}

function skeleton(container: HTMLElement): Parts {
  clear(container);
  const search = searchBox({
    placeholder: "filter: text in name, input, output…",
    label: "filter traces",
    onSearch: (text) => view.callbacks.onSearch?.(text),
  });
  const view: Parts = {
    title: el("span", { className: "oj-title" }),
    search,
    body: el("tbody"),
    pager: el("div", { className: "oj-pager" }),
    status: el("span", { className: "oj-table-status" }),
    callbacks: {},
  };
  const refresh = el("button", {
    className: "oj-button",
    text: "refresh",
    attrs: { type: "button" },
    onClick: () => view.callbacks.onRefresh?.(),
  });
  const head = el("thead", {}, [
    el(
      "tr",
      {},
      COLUMNS.map((name) => el("th", { text: name })),
    ),
  ]);
  container.appendChild(
    el("div", { className: "oj-table" }, [
      el("div", { className: "oj-header" }, [view.title, search, refresh, view.status]),
      el("table", {}, [head, view.body]),
      view.pager,
    ]),
  );
  parts.set(container, view);
  return view;
}

function rowNode(row: TraceRow, view: Parts): HTMLElement {
  const scores = el(
    "td",
    { className: "oj-scores" },
    row.scores.map((s) => el("span", { className: "oj-score", text: `${s.name} ${formatScore(s.value)}` })),
  );
  return el(
    "tr",
    {
      className: row.error ? "oj-trace-row oj-error" : "oj-trace-row",
      attrs: { "data-id": row.id, tabindex: "0", title: "open this trace" },
      onClick: () => view.callbacks.onOpen?.(row.id),
    },
    [
      el("td", { className: "oj-name", text: row.name }),
      el("td", { text: formatTime(row.start_time) }),
      el("td", { className: "oj-cell-num", text: formatDuration(row.duration_ms) }),
      el("td", { className: "oj-cell-num", text: formatTokens(row.total_tokens) }),
      el("td", { className: "oj-cell-num", text: formatCost(row.cost) }),
      scores,
      el("td", {}, [row.error ? el("span", { className: "oj-error-badge", text: "error" }) : null]),
    ],
  );
}

function renderPager(view: Parts, data: TableData): void {
  const { first, last, pages } = pageRange(data.page, data.page_size, data.total, data.rows.length);
  const button = (text: string, page: number, enabled: boolean) => {
    const node = el("button", {
      className: "oj-button",
      text,
      attrs: { type: "button" },
      onClick: () => view.callbacks.onPage?.(page),
    });
    node.disabled = !enabled;
    return node;
  };
  clear(view.pager);
  view.pager.appendChild(button("‹ newer", data.page - 1, data.page > 1));
  view.pager.appendChild(
    el("span", {
      className: "oj-page-info",
      text: `${first}–${last} of ${data.total} · page ${data.page} of ${pages}`,
    }),
  );
  view.pager.appendChild(button("older ›", data.page + 1, data.page < pages));
}
