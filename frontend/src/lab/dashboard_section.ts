/** The dashboard section: a project's charts over a range (views/dashboard), read from
 * ``POST /projects/{id}/metrics`` when the section is open, and again every few polls. */
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { render } from "../views/dashboard";
import { CHARTS, TOTALS, dashboardModel, hasTraces, intervalFor, type MetricResult } from "../views/dashboard_model";
import { el } from "../views/dom";
import type { OpikClient } from "./client";
import type { Project } from "./types";

export const DEFAULT_DAYS = 7;

/** The dashboard data of ``project`` over the ``days`` before ``now``. */
export async function loadDashboard(client: OpikClient, project: Project, days: number, now = new Date()) {
  const end = now.toISOString();
  const start = new Date(now.getTime() - days * 86_400_000).toISOString();
  const interval = intervalFor(days);
  const metric = (type: string, bucket = interval) => client.projectMetric(project.id, type, bucket, start, end);
  const raw: Record<string, MetricResult[]> = {};
  const answers = await Promise.all(CHARTS.map(([, , type]) => metric(type)));
  CHARTS.forEach(([, , type], i) => (raw[type] = answers[i]));
  if (hasTraces(raw.TRACE_COUNT)) {
    const totals = await Promise.all(TOTALS.map((type) => metric(type, "TOTAL")));
    TOTALS.forEach((type, i) => (raw[`TOTAL_${type}`] = totals[i]));
  }
  return dashboardModel({ project: project.name, project_id: project.id, days, interval, start, end }, raw);
}

export class DashboardSection extends Widget {
  private readonly picker = el("select", {
    className: "oj-dash-range oj-dash-project",
    attrs: { "aria-label": "project" },
  });
  private readonly body = el("div", { className: "oj-dash-body" });
  private projects: Project[] = [];
  private days = DEFAULT_DAYS;

  constructor(private readonly client: OpikClient) {
    super();
    this.addClass("oj-lab-section");
    this.addClass("oj-lab-dashboard");
    this.title.label = "Dashboard";
    this.picker.addEventListener("change", () => void this.refresh(true));
    this.node.append(this.body);
  }

  /** Opened again after being collapsed: read the metrics now, not at the next poll. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh(true).catch((error) =>
      this.body.replaceChildren(el("div", { className: "oj-error-text", text: `${error}` })),
    );
  }

  /** Read the chosen project's metrics again (only while the section is shown). */
  async refresh(force = false): Promise<void> {
    if (!force && !this.isVisible) return;
    this.projects = await this.client.projects();
    this.syncPicker();
    const project = this.projects.find((p) => p.id === this.picker.value);
    if (!project) {
      this.body.replaceChildren(el("div", { className: "oj-lab-empty", text: "No projects yet: trace a cell first." }));
      return;
    }
    try {
      const data = await loadDashboard(this.client, project, this.days);
      render(this.body, data, {
        compact: true,
        heading: this.picker,
        onRange: (days) => {
          this.days = days;
          void this.refresh(true);
        },
      });
    } catch (error) {
      this.body.replaceChildren(this.picker, el("div", { className: "oj-error-text", text: `${error}` }));
    }
  }

  private syncPicker(): void {
    const chosen = this.picker.value;
    const names = this.projects.map((p) => `${p.id}:${p.name}`).join("|");
    if (this.picker.dataset.names !== names) {
      this.picker.dataset.names = names;
      this.picker.replaceChildren(...this.projects.map((p) => el("option", { text: p.name, attrs: { value: p.id } })));
    }
    if (this.projects.some((p) => p.id === chosen)) this.picker.value = chosen;
  }
}
