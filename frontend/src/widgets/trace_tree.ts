/** anywidget entry point of TraceTree: renders the synced ``data`` with the tree view. */
import { clear, el as h } from "../views/dom";
import { render as renderTree } from "../views/tree";
import type { TraceData } from "../views/types";
import type { RenderProps } from "./anywidget_types";

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const body = h("div");
  el.appendChild(body);
  const draw = () => {
    const data = model.get("data") as TraceData | null;
    if (!data || !data.trace) {
      clear(body);
      body.appendChild(h("div", { className: "oj-note", text: "no trace" }));
      return;
    }
    renderTree(body, data);
  };
  model.on("change:data", draw);
  draw();
  return () => model.off("change:data", draw);
}

export default { render };
