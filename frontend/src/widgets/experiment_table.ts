/**
 * anywidget entry point of ExperimentTable: the experiments view over the synced ``data``;
 * the baseline menu sets the ``baseline`` trait, and clicking an output asks the kernel
 * (a custom message) for that trace's tree, shown under the table.
 */
import { el as h } from "../views/dom";
import type { ExperimentTableData } from "../views/experiment_types";
import { render as renderTable } from "../views/comparison_table";
import { renderOpened } from "../views/opened";
import type { TraceData } from "../views/types";
import type { RenderProps } from "./anywidget_types";

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const tablePart = h("div");
  const status = h("div", { className: "oj-note oj-error-text" });
  const treePart = h("div", { className: "oj-opened" });
  el.append(tablePart, status, treePart);
  const setAndSave = (name: string, value: unknown) => {
    model.set(name, value);
    model.save_changes();
  };
  const callbacks = {
    onOpen: (traceId: string) => model.send({ type: "open", trace_id: traceId }),
    onBaseline: (id: string) => setAndSave("baseline", id),
  };
  const drawTable = () => {
    const data = model.get("data") as ExperimentTableData | null;
    if (!data || !data.rows) return;
    renderTable(
      tablePart,
      data,
      { baseline: model.get("baseline") ?? "", threshold: model.get("threshold") ?? 0 },
      callbacks,
    );
  };
  const drawTree = () => {
    status.textContent = model.get("error") ?? "";
    renderOpened(treePart, model.get("selected") as TraceData | null, () => setAndSave("selected", {}));
  };
  const tableEvents = ["change:data", "change:baseline", "change:threshold"];
  const treeEvents = ["change:selected", "change:error"];
  for (const name of tableEvents) model.on(name, drawTable);
  for (const name of treeEvents) model.on(name, drawTree);
  drawTable();
  drawTree();
  return () => {
    for (const name of tableEvents) model.off(name, drawTable);
    for (const name of treeEvents) model.off(name, drawTree);
  };
}

export default { render };
