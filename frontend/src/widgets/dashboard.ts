/** anywidget entry point of Dashboard: the charts of the synced ``data``; the range menu
 * sets ``days`` (Python reads the new range) and the refresh button asks Python to re-read. */
import { render as renderDashboard } from "../views/dashboard";
import type { DashboardData } from "../views/dashboard_model";
import type { RenderProps } from "./anywidget_types";

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const draw = () => {
    const data = model.get("data") as DashboardData | null;
    const error = model.get("error") as string;
    if (!data || !data.charts) {
      if (error) el.textContent = error;
      return;
    }
    renderDashboard(el, data, {
      error: error || undefined,
      onRange: (days) => {
        model.set("days", days);
        model.save_changes();
      },
      onRefresh: () => model.send({ type: "refresh" }),
    });
  };
  model.on("change:data", draw);
  model.on("change:error", draw);
  draw();
  return () => {
    model.off("change:data", draw);
    model.off("change:error", draw);
  };
}

export default { render };
