/** Experiments side by side in a main-area tab: per dataset item, each experiment's output and scores. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatCost, formatScore } from "../views/format";
import { longText } from "../views/json";
import type { OpikClient } from "./client";
import { asText, fields, lineMatches, scoreCells, type ScoreCell } from "./compare_cells";
import { comparisonLines, scoreNames, type ComparisonLine } from "./panel_data";
import type { Dataset, Experiment, ExperimentItem } from "./types";

/** Characters of an item field or an output shown before "show all". */
const SHOWN_CHARS = 600;

export class ComparisonView extends Widget {
  onOpenTrace: (traceId: string) => void = () => undefined;
  private readonly table = el("table", { className: "oj-lab-table oj-lab-compare" });
  private readonly pager = el("div", { className: "oj-lab-actions" });
  private readonly filter = el("input", {
    className: "jp-mod-styled oj-lab-compare-filter",
    attrs: { type: "search", placeholder: "filter: text in items and outputs…", "aria-label": "filter items" },
  });
  private readonly shown = el("span", { className: "oj-lab-facts" });
  private lines: ComparisonLine[] = [];
  private page = 1;

  constructor(
    private readonly client: OpikClient,
    readonly source: Dataset,
    readonly experiments: Experiment[],
  ) {
    super();
    this.addClass("oj-root");
    this.addClass("oj-lab-comparison");
    this.id = `opik-compare-${source.id}-${experiments.map((e) => e.id).join("-")}`.slice(0, 200);
    this.title.label = `${source.name}: ${experiments.map((e) => e.name).join(" vs ")}`;
    this.filter.addEventListener("input", () => this.renderLines());
    const tools = el("div", { className: "oj-lab-actions" }, [this.filter, this.shown]);
    this.node.append(this.summary(), tools, this.table, this.pager);
  }

  async refresh(): Promise<void> {
    const page = await this.client.comparison(
      this.source.id,
      this.experiments.map((e) => e.id),
      this.page,
    );
    this.lines = comparisonLines(page.content, this.experiments);
    this.renderLines();
    const pages = Math.max(1, Math.ceil(page.total / Math.max(page.size, 1)));
    const go = (to: number) => {
      this.page = to;
      void this.refresh();
    };
    const button = (text: string, to: number, enabled: boolean) => {
      const node = el("button", {
        className: "jp-mod-styled oj-lab-button",
        text,
        attrs: { type: "button" },
        onClick: () => go(to),
      });
      node.disabled = !enabled;
      return node;
    };
    this.pager.replaceChildren(
      button("‹ previous", this.page - 1, this.page > 1),
      el("span", { className: "oj-lab-facts", text: `page ${this.page} of ${pages} · ${page.total} items` }),
      button("next ›", this.page + 1, this.page < pages),
    );
  }

  private summary(): HTMLElement {
    const names = scoreNames(this.experiments);
    const head = el("tr", {}, [
      el("th", { text: "Experiment" }),
      el("th", { className: "oj-cell-num", text: "Traces" }),
      ...names.map((n) => el("th", { className: "oj-cell-num", text: n })),
      el("th", { className: "oj-cell-num", text: "Cost" }),
    ]);
    const rows = this.experiments.map((experiment) => {
      const average = (name: string) => experiment.feedback_scores?.find((s) => s.name === name)?.value;
      return el("tr", {}, [
        el("td", { className: "oj-lab-name", text: experiment.name }),
        el("td", { className: "oj-cell-num", text: `${experiment.trace_count ?? 0}` }),
        ...names.map((n) =>
          el("td", {
            className: "oj-cell-num",
            text: average(n) === undefined ? "–" : formatScore(average(n) as number),
          }),
        ),
        el("td", { className: "oj-cell-num", text: formatCost(experiment.total_estimated_cost) || "–" }),
      ]);
    });
    return el("section", {}, [
      el("h3", { text: "Averages" }),
      el("table", { className: "oj-lab-table" }, [el("thead", {}, [head]), el("tbody", {}, rows)]),
    ]);
  }

  private renderLines(): void {
    clear(this.table);
    const [baseline] = this.experiments;
    const head = el("tr", {}, [
      el("th", { text: "Dataset item" }),
      ...this.experiments.map((e) => el("th", { text: e === baseline ? `${e.name} (baseline)` : e.name })),
    ]);
    const lines = this.lines.filter((line) => lineMatches(line.data, line.runs, this.filter.value));
    this.shown.textContent = `${lines.length} of ${this.lines.length} items on this page`;
    const body = lines.map((line) =>
      el("tr", { attrs: { "data-id": line.id } }, [
        el(
          "td",
          { className: "oj-lab-compare-item" },
          fields(line.data).map((field) =>
            el("div", { className: "oj-lab-field" }, [
              el("span", { className: "oj-lab-field-name", text: `${field.name} ` }),
              longText(field.text, SHOWN_CHARS, "oj-lab-field-text"),
            ]),
          ),
        ),
        ...line.runs.map((run) => this.run(run, line.runs[0])),
      ]),
    );
    this.table.append(el("thead", {}, [head]), el("tbody", {}, body));
  }

  private run(run: ExperimentItem | null, base: ExperimentItem | null): HTMLElement {
    if (!run) return el("td", { className: "oj-lab-empty", text: "not run" });
    const open = el("button", {
      className: "oj-lab-link",
      text: "trace",
      attrs: { type: "button" },
      onClick: () => this.onOpenTrace(run.trace_id),
    });
    return el("td", { className: "oj-lab-compare-run" }, [
      longText(asText(run.output), SHOWN_CHARS, "oj-lab-output"),
      el("div", { className: "oj-scores" }, [...scoreCells(run, base).map(scoreChip), open]),
    ]);
  }
}

function scoreChip(score: ScoreCell): HTMLElement {
  const delta = score.delta === null ? "" : ` (${score.delta >= 0 ? "+" : ""}${formatScore(score.delta)})`;
  return el("span", {
    className: `oj-score${score.mark ? ` oj-${score.mark}` : ""}`,
    text: `${score.name} ${formatScore(score.value)}${delta}`,
    title: [score.mark, score.reason].filter(Boolean).join(": "),
  });
}
