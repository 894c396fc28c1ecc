/** The experiments section: datasets, their experiments with score averages, and "Compare". */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatScore } from "../views/format";
import type { OpikClient } from "./client";
import type { Dataset, Experiment } from "./types";

export class ExperimentsSection extends Widget {
  onCompare: (dataset: Dataset, experiments: Experiment[]) => void = () => undefined;
  private readonly list = el("div", { className: "oj-lab-datasets" });
  private readonly open = new Set<string>();
  private readonly chosen = new Map<string, Set<string>>();
  private shown = "";

  constructor(private readonly client: OpikClient) {
    super();
    this.addClass("oj-lab-section");
    this.title.label = "Experiments";
    this.node.appendChild(this.list);
  }

  /** Show the datasets if they changed (those opened stay open, ticked experiments stay ticked). */
  async refresh(force = false): Promise<void> {
    const datasets = await this.client.datasets();
    const withRuns = datasets.filter((d) => (d.experiment_count ?? 0) > 0);
    const key = JSON.stringify(withRuns);
    if (key === this.shown && !force) return;
    this.shown = key;
    clear(this.list);
    if (withRuns.length === 0) {
      this.list.appendChild(
        el("div", { className: "oj-lab-empty", text: "No experiments yet: run evaluate() on a dataset." }),
      );
    }
    for (const dataset of withRuns) this.list.appendChild(this.datasetNode(dataset));
  }

  private datasetNode(dataset: Dataset): HTMLElement {
    const body = el("div", { className: "oj-lab-experiments" });
    const summary = el("summary", {}, [
      el("span", { className: "oj-lab-name", text: dataset.name }),
      el("span", {
        className: "oj-lab-facts",
        text: `${dataset.dataset_items_count ?? 0} items · ${dataset.experiment_count ?? 0} experiments`,
      }),
    ]);
    const details = el("details", { className: "oj-lab-dataset", attrs: { "data-id": dataset.id } }, [summary, body]);
    const load = () =>
      void this.experiments(dataset, body).catch((error) =>
        body.replaceChildren(el("div", { className: "oj-error-text", text: `${error}` })),
      );
    details.addEventListener("toggle", () => {
      if (details.open) this.open.add(dataset.id);
      else this.open.delete(dataset.id);
      if (details.open) load();
    });
    details.open = this.open.has(dataset.id); // opening fires "toggle", which loads
    return details;
  }

  private async experiments(dataset: Dataset, body: HTMLElement): Promise<void> {
    const experiments = await this.client.experiments(dataset.id);
    const chosen = this.chosen.get(dataset.id) ?? new Set<string>(experiments.slice(0, 2).map((e) => e.id));
    this.chosen.set(dataset.id, chosen);
    const compare = el("button", {
      className: "jp-mod-styled jp-mod-accept oj-lab-button",
      text: "Compare",
      attrs: { type: "button" },
    });
    const sync = () => {
      compare.disabled = chosen.size === 0;
      compare.textContent = chosen.size > 1 ? `Compare ${chosen.size}` : "Open";
    };
    compare.addEventListener("click", () =>
      this.onCompare(
        dataset,
        experiments.filter((e) => chosen.has(e.id)),
      ),
    );
    clear(body);
    for (const experiment of experiments) body.appendChild(this.experiment(experiment, chosen, sync));
    body.appendChild(el("div", { className: "oj-lab-actions" }, [compare]));
    sync();
  }

  private experiment(experiment: Experiment, chosen: Set<string>, sync: () => void): HTMLElement {
    const box = el("input", { attrs: { type: "checkbox", "aria-label": `select ${experiment.name}` } });
    box.checked = chosen.has(experiment.id);
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(experiment.id);
      else chosen.delete(experiment.id);
      sync();
    });
    const scores = (experiment.feedback_scores ?? []).map((s) =>
      el("span", { className: "oj-score", text: `${s.name} ${formatScore(s.value)}` }),
    );
    return el("label", { className: "oj-lab-experiment", attrs: { "data-id": experiment.id } }, [
      box,
      el("span", { className: "oj-lab-name", text: experiment.name }),
      el("span", { className: "oj-lab-facts", text: `${experiment.trace_count ?? 0} traces` }),
      scores.length ? el("span", { className: "oj-scores" }, scores) : null,
    ]);
  }
}
