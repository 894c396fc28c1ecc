/** A trace tree opened under a list (an experiment's run), with a button that closes it. */
import { clear, el } from "./dom";
import { render as renderTree } from "./tree";
import type { TraceData } from "./types";

export function renderOpened(host: HTMLElement, data: TraceData | null | undefined, onClose: () => void): void {
  clear(host);
  if (!data?.trace) return;
  const body = el("div");
  host.append(
    el("div", { className: "oj-opened-bar" }, [
      el("button", { className: "oj-button", text: "close", attrs: { type: "button" }, onClick: onClose }),
    ]),
    body,
  );
  renderTree(body, data);
}
