/** anywidget entry point of ScoreChart: the charts of the synced ``data``. */
import { render as renderCharts } from "../views/charts";
import type { ScoreChartData } from "../views/experiment_types";
import type { RenderProps } from "./anywidget_types";

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const draw = () => {
    const data = model.get("data") as ScoreChartData | null;
    if (data && data.metrics) renderCharts(el, data);
  };
  model.on("change:data", draw);
  draw();
  return () => model.off("change:data", draw);
}

export default { render };
