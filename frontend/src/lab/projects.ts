/** The projects section: trace counts, tokens and cost; a click narrows the feed to one. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatCost, formatTokens } from "../views/format";
import { costOrDash } from "./text";
import type { Project } from "./types";

export class ProjectsSection extends Widget {
  onSelect: (projectId: string | null) => void = () => undefined;
  private readonly list = el("div", { className: "oj-lab-projects", attrs: { role: "list" } });

  constructor() {
    super();
    this.addClass("oj-lab-section");
    this.title.label = "Projects";
    this.node.appendChild(this.list);
  }

  render(projects: Project[], selected: string | null): void {
    clear(this.list);
    if (projects.length === 0) {
      this.list.appendChild(
        el("div", { className: "oj-lab-empty", text: "No projects yet: trace a cell with %%opik_track." }),
      );
    }
    for (const project of projects) this.list.appendChild(this.row(project, project.id === selected));
  }

  private row(project: Project, selected: boolean): HTMLElement {
    const count = project.trace_count ?? 0;
    const select = () => this.onSelect(selected ? null : project.id);
    const facts = `${formatTokens(project.usage_sum?.total_tokens) || "0"} tokens · ${costOrDash(project.total_estimated_cost_sum)}`;
    const row = el(
      "div",
      {
        className: selected ? "oj-lab-row jp-mod-selected" : "oj-lab-row",
        title: `${project.name}: ${formatCost(project.total_estimated_cost_sum) || "no cost"}\n${selected ? "showing this project only: click for all" : "show this project's traces only"}`,
        attrs: { role: "listitem", tabindex: "0", "data-id": project.id },
        onClick: select,
      },
      [
        el("div", { className: "oj-lab-feed-line" }, [
          el("span", { className: "oj-lab-name", text: project.name }),
          el("span", { className: "oj-lab-count", text: `${count} trace${count === 1 ? "" : "s"}` }),
        ]),
        el("div", { className: "oj-lab-facts", text: facts }),
      ],
    );
    row.addEventListener("keydown", (event) => event.key === "Enter" && select());
    return row;
  }
}
