/** The panel's header line: is the backend up, where, and who runs it. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { statusText } from "./text";
import type { BackendStatus } from "./types";

export class StatusLine extends Widget {
  constructor() {
    super();
    this.addClass("oj-lab-status");
    this.render(null, null);
  }

  render(status: BackendStatus | null, error: string | null): void {
    const { state, detail, title } = statusText(status, error);
    clear(this.node);
    this.node.title = [`Backend ${state}`, detail, title].filter(Boolean).join("\n");
    this.node.dataset.state = state;
    this.node.append(
      el("span", { className: `oj-lab-dot oj-lab-dot-${state.replace(/ /g, "-")}`, attrs: { "aria-hidden": "true" } }),
      el("span", { className: "oj-lab-status-state", text: `Backend ${state}` }),
      el("span", { className: "oj-lab-status-detail", text: detail }),
    );
  }
}
