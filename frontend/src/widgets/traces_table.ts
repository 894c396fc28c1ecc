/**
 * anywidget entry point of TracesTable: the table view; paging and the filter are synced
 * traits, and a row click asks the kernel (a custom message) to load that trace's tree.
 */
import { clear, el as h } from "../views/dom";
import { render as renderTable } from "../views/table";
import { render as renderTree } from "../views/tree";
import type { TableData, TraceData } from "../views/types";
import type { RenderProps, WidgetModel } from "./anywidget_types";

function tableData(model: WidgetModel): TableData {
  return {
    project: model.get("project"),
    rows: model.get("rows") ?? [],
    page: model.get("page"),
    page_size: model.get("page_size"),
    total: model.get("total"),
    search: model.get("search"),
    loading: model.get("loading"),
    error: model.get("error"),
  };
}

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const tablePart = h("div");
  const treePart = h("div", { className: "oj-opened" });
  el.append(tablePart, treePart);
  const setAndSave = (name: string, value: unknown) => {
    model.set(name, value);
    model.save_changes();
  };
  const callbacks = {
    onPage: (page: number) => setAndSave("page", page),
    onSearch: (text: string) => {
      model.set("page", 1);
      setAndSave("search", text);
    },
    onOpen: (traceId: string) => model.send({ type: "open", trace_id: traceId }),
    onRefresh: () => model.send({ type: "refresh" }),
  };
  const drawTable = () => renderTable(tablePart, tableData(model), callbacks);
  const drawTree = () => {
    const data = model.get("selected") as TraceData | null;
    clear(treePart);
    if (!data || !data.trace) return;
    const body = h("div");
    const close = h("button", {
      className: "oj-button",
      text: "close",
      attrs: { type: "button" },
      onClick: () => setAndSave("selected", {}),
    });
    treePart.append(h("div", { className: "oj-opened-bar" }, [close]), body);
    renderTree(body, data);
  };
  const events = ["rows", "page", "page_size", "total", "search", "loading", "error", "project"];
  for (const name of events) model.on(`change:${name}`, drawTable);
  model.on("change:selected", drawTree);
  drawTable();
  drawTree();
  return () => {
    for (const name of events) model.off(`change:${name}`, drawTable);
    model.off("change:selected", drawTree);
  };
}

export default { render };
