/**
 * A prompt's history: its versions (newest first), a side-by-side line diff of any two,
 * and the experiments that ran with each version, with their score averages. Shared by
 * the PromptHistory widget and the prompt tabs of the JupyterLab panel.
 */
import { clear, el } from "./dom";
import { formatScore, formatTime } from "./format";

export interface PromptVersionRow {
  id: string;
  commit: string;
  template: string;
  type: string;
  created_at: string;
  created_by?: string | null;
  change_description?: string | null;
  tags?: string[] | null;
}

export interface PromptExperimentRow {
  id: string;
  name: string;
  commit?: string | null;
  prompt_version_id?: string | null;
  created_at?: string;
  trace_count?: number;
  feedback_scores?: { name: string; value: number }[];
}

export interface PromptHistoryData {
  name: string;
  template_structure: string;
  versions: PromptVersionRow[];
  experiments: PromptExperimentRow[];
}

export type DiffKind = "same" | "removed" | "added" | "changed";

export interface DiffRow {
  kind: DiffKind;
  left: string | null;
  right: string | null;
  leftNo: number | null;
  rightNo: number | null;
}

export interface HistoryCallbacks {
  /** Called with the experiment id when an experiment's name is clicked. */
  onExperiment?: (experimentId: string) => void;
}

/** The lines of a template as shown in a diff: chat prompts as indented JSON. */
export function templateLines(template: string, structure: string): string[] {
  if (structure === "chat") {
    try {
      return JSON.stringify(JSON.parse(template), null, 2).split("\n");
    } catch {
      // not JSON after all: diff the text as it is
    }
  }
  return template.split("\n");
}

/** A side-by-side line diff (longest common subsequence); a removed line next to an
 *  added one is one "changed" row. */
export function lineDiff(before: string[], after: string[]): DiffRow[] {
  const n = before.length;
  const m = after.length;
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i][j] = before[i] === after[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const rows: DiffRow[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const l = removed[k];
      const r = added[k];
      rows.push({
        kind: l !== undefined && r !== undefined ? "changed" : l !== undefined ? "removed" : "added",
        left: l !== undefined ? before[l] : null,
        right: r !== undefined ? after[r] : null,
        leftNo: l !== undefined ? l + 1 : null,
        rightNo: r !== undefined ? r + 1 : null,
      });
    }
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      flush();
      rows.push({ kind: "same", left: before[i], right: after[j], leftNo: i + 1, rightNo: j + 1 });
      i++;
      j++;
    } else if (j < m && (i === n || common[i][j + 1] >= common[i + 1][j])) {
      added.push(j++);
    } else {
      removed.push(i++);
    }
  }
  flush();
  return rows;
}

interface State {
  left: string;
  right: string;
}

const states = new WeakMap<HTMLElement, State>();

/** Draw (or redraw) the history of ``data`` into ``root``; the diff pair survives redraws. */
export function renderPromptHistory(
  root: HTMLElement,
  data: PromptHistoryData,
  callbacks: HistoryCallbacks = {},
): void {
  const versions = data.versions;
  const commits = versions.map((v) => v.commit);
  let state = states.get(root);
  if (!state || !commits.includes(state.left) || !commits.includes(state.right)) {
    state = { right: commits[0] ?? "", left: commits[1] ?? commits[0] ?? "" };
    states.set(root, state);
  }
  const current = state;
  clear(root);
  root.classList.add("oj-prompt");
  const redraw = () => renderPromptHistory(root, data, callbacks);
  const select = (side: keyof State, commit: string) => {
    current[side] = commit;
    redraw();
  };
  root.append(
    header(data),
    versionsTable(data, current, (commit) => {
      const at = commits.indexOf(commit);
      current.right = commit;
      current.left = commits[at + 1] ?? commit;
      redraw();
    }),
    diffView(data, current, select),
    experimentsTable(data, callbacks),
  );
}

function header(data: PromptHistoryData): HTMLElement {
  const count = data.versions.length;
  return el("div", { className: "oj-prompt-head" }, [
    el("span", { className: "oj-prompt-name", text: data.name }),
    el("span", { className: "oj-badge", text: data.template_structure }),
    el("span", {
      className: "oj-muted",
      text: `${count} version${count === 1 ? "" : "s"} · ${data.experiments.length} experiment${
        data.experiments.length === 1 ? "" : "s"
      }`,
    }),
  ]);
}

function usedBy(data: PromptHistoryData, commit: string): number {
  return data.experiments.filter((e) => e.commit === commit).length;
}

function versionsTable(data: PromptHistoryData, state: State, onPick: (commit: string) => void): HTMLElement {
  const head = el(
    "tr",
    {},
    ["commit", "created", "by", "type", "change", "tags", "experiments"].map((h) => el("th", { text: h })),
  );
  const rows = data.versions.map((v, index) =>
    el(
      "tr",
      {
        className: [
          "oj-prompt-version",
          v.commit === state.right ? "oj-selected" : "",
          v.commit === state.left && v.commit !== state.right ? "oj-selected-left" : "",
        ].join(" "),
        title: "show this version's changes",
        attrs: { "data-commit": v.commit },
        onClick: () => onPick(v.commit),
      },
      [
        el("td", {}, [
          el("code", { text: v.commit }),
          index === 0 ? el("span", { className: "oj-badge oj-latest", text: "latest" }) : null,
        ]),
        el("td", { text: formatTime(v.created_at) }),
        el("td", { text: v.created_by ?? "" }),
        el("td", { text: v.type }),
        el("td", { text: v.change_description ?? "" }),
        el("td", { text: (v.tags ?? []).join(", ") }),
        el("td", { text: String(usedBy(data, v.commit)) }),
      ],
    ),
  );
  return el("div", { className: "oj-prompt-section" }, [
    el("div", { className: "oj-prompt-title", text: "Versions" }),
    el("table", { className: "oj-prompt-table" }, [el("thead", {}, [head]), el("tbody", {}, rows)]),
  ]);
}

function picker(
  data: PromptHistoryData,
  value: string,
  label: string,
  onChange: (commit: string) => void,
): HTMLElement {
  const choice = el(
    "select",
    { attrs: { "aria-label": label } },
    data.versions.map((v, index) =>
      el("option", {
        text: `${v.commit}${index === 0 ? " (latest)" : ""} · ${formatTime(v.created_at)}`,
        attrs: { value: v.commit },
      }),
    ),
  );
  choice.value = value;
  choice.addEventListener("change", () => onChange(choice.value));
  return el("label", { className: "oj-prompt-picker" }, [el("span", { text: label }), choice]);
}

function diffView(
  data: PromptHistoryData,
  state: State,
  select: (side: keyof State, commit: string) => void,
): HTMLElement {
  const byCommit = new Map(data.versions.map((v) => [v.commit, v]));
  const left = byCommit.get(state.left);
  const right = byCommit.get(state.right);
  const title = el("div", { className: "oj-prompt-title", text: "Compare" });
  if (!left || !right) {
    return el("div", { className: "oj-prompt-section" }, [
      title,
      el("div", { className: "oj-muted", text: "no versions yet" }),
    ]);
  }
  const rows = lineDiff(
    templateLines(left.template, data.template_structure),
    templateLines(right.template, data.template_structure),
  );
  const changed = rows.filter((r) => r.kind !== "same").length;
  const table = el(
    "table",
    { className: "oj-diff" },
    rows.map((row) =>
      el("tr", { className: `oj-diff-${row.kind}` }, [
        el("td", { className: "oj-diff-no", text: row.leftNo === null ? "" : String(row.leftNo) }),
        el("td", { className: "oj-diff-left", text: row.left ?? "" }),
        el("td", {
          className: "oj-diff-no",
          text: row.rightNo === null ? "" : String(row.rightNo),
        }),
        el("td", { className: "oj-diff-right", text: row.right ?? "" }),
      ]),
    ),
  );
  const summary =
    left.commit === right.commit
      ? "the same version on both sides"
      : changed === 0
        ? "templates are identical"
        : `${changed} line${changed === 1 ? "" : "s"} differ`;
  return el("div", { className: "oj-prompt-section" }, [
    title,
    el("div", { className: "oj-prompt-pickers" }, [
      picker(data, state.left, "before", (c) => select("left", c)),
      picker(data, state.right, "after", (c) => select("right", c)),
      el("span", { className: "oj-muted oj-diff-summary", text: summary }),
    ]),
    table,
  ]);
}

function experimentsTable(data: PromptHistoryData, callbacks: HistoryCallbacks): HTMLElement {
  const title = el("div", { className: "oj-prompt-title", text: "Experiments" });
  if (data.experiments.length === 0) {
    return el("div", { className: "oj-prompt-section" }, [
      title,
      el("div", {
        className: "oj-muted",
        text: "no experiment has used this prompt yet (evaluate(..., prompts=[prompt]))",
      }),
    ]);
  }
  const names = [...new Set(data.experiments.flatMap((e) => (e.feedback_scores ?? []).map((s) => s.name)))];
  const head = el(
    "tr",
    {},
    ["version", "experiment", "created", "traces", ...names].map((h) => el("th", { text: h })),
  );
  const rows = data.experiments.map((e) => {
    const scores = new Map((e.feedback_scores ?? []).map((s) => [s.name, s.value]));
    const name = callbacks.onExperiment
      ? el("a", {
          className: "oj-link",
          text: e.name,
          attrs: { href: "#" },
          onClick: (event) => {
            event.preventDefault();
            callbacks.onExperiment?.(e.id);
          },
        })
      : el("span", { text: e.name });
    return el("tr", { attrs: { "data-experiment": e.id } }, [
      el("td", {}, [el("code", { text: e.commit ?? "" })]),
      el("td", {}, [name]),
      el("td", { text: formatTime(e.created_at ?? "") }),
      el("td", { text: e.trace_count === undefined ? "" : String(e.trace_count) }),
      ...names.map((n) =>
        el("td", { className: "oj-num", text: scores.has(n) ? formatScore(scores.get(n) as number) : "–" }),
      ),
    ]);
  });
  return el("div", { className: "oj-prompt-section" }, [
    title,
    el("table", { className: "oj-prompt-table" }, [el("thead", {}, [head]), el("tbody", {}, rows)]),
  ]);
}
