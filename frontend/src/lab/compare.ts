/** Experiments side by side in a main-area tab: per dataset item, each experiment's output and scores. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatCost, formatScore } from "../views/format";
import type { OpikClient } from "./client";
import { comparisonLines, preview, scoreNames, type ComparisonLine } from "./panel_data";
import type { Dataset, Experiment, ExperimentItem } from "./types";

export class ComparisonView extends Widget {
  onOpenTrace: (traceId: string) => void = () => undefined;
  private readonly table = el("table", { className: "oj-lab-table oj-lab-compare" });
  private readonly pager = el("div", { className: "oj-lab-actions" });
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
    this.node.append(this.summary(), this.table, this.pager);
  }

  async refresh(): Promise<void> {
    const page = await this.client.comparison(
      this.source.id,
      this.experiments.map((e) => e.id),
      this.page,
    );
    this.renderLines(comparisonLines(page.content, this.experiments));
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

  private renderLines(lines: ComparisonLine[]): void {
    clear(this.table);
    const head = el("tr", {}, [
      el("th", { text: "Dataset item" }),
      ...this.experiments.map((e) => el("th", { text: e.name })),
    ]);
    const body = lines.map((line) =>
      el("tr", { attrs: { "data-id": line.id } }, [
        el("td", { className: "oj-lab-cell-text", text: preview(line.data, 400) }),
        ...line.runs.map((run) => this.run(run)),
      ]),
    );
    this.table.append(el("thead", {}, [head]), el("tbody", {}, body));
  }

  private run(run: ExperimentItem | null): HTMLElement {
    if (!run) return el("td", { className: "oj-lab-empty", text: "not run" });
    const scores = (run.feedback_scores ?? []).map((s) =>
      el("span", { className: "oj-score", text: `${s.name} ${formatScore(s.value)}`, title: s.reason ?? "" }),
    );
    const open = el("button", {
      className: "oj-lab-link",
      text: "trace",
      attrs: { type: "button" },
      onClick: () => this.onOpenTrace(run.trace_id),
    });
    return el("td", { className: "oj-lab-cell-text" }, [
      el("div", { text: preview(run.output, 400) }),
      el("div", { className: "oj-scores" }, [...scores, open]),
    ]);
  }
}
