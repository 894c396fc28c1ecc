/** anywidget entry point of PromptHistory: the history of the synced ``data``. */
import { renderPromptHistory, type PromptHistoryData } from "../views/prompts";
import type { RenderProps } from "./anywidget_types";

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const draw = () => {
    const data = model.get("data") as PromptHistoryData | null;
    if (data && data.versions) renderPromptHistory(el, data);
  };
  model.on("change:data", draw);
  draw();
  return () => model.off("change:data", draw);
}

export default { render };
