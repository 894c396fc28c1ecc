/** A collapsible JSON viewer; long strings are cut with a control that shows them whole. */
import { clear, el } from "./dom";
import { truncate } from "./format";
import type { Json } from "./types";

export interface JsonOptions {
  /** Characters of a string shown before "show more". */
  maxChars?: number;
  /** Containers deeper than this start collapsed. */
  openDepth?: number;
}

const DEFAULTS: Required<JsonOptions> = { maxChars: 400, openDepth: 2 };

export function render(container: HTMLElement, value: Json | undefined, options: JsonOptions = {}): void {
  clear(container);
  container.appendChild(jsonNode(value ?? null, 0, { ...DEFAULTS, ...options }));
}

function jsonNode(value: Json, depth: number, options: Required<JsonOptions>): HTMLElement {
  if (Array.isArray(value)) {
    return container(
      value.map((item, index) => [`${index}`, item]),
      "array",
      depth,
      options,
    );
  }
  if (value !== null && typeof value === "object") {
    return container(Object.entries(value), "object", depth, options);
  }
  if (typeof value === "string") return longText(value, options.maxChars, "oj-json-string");
  return el("span", { className: `oj-json-${value === null ? "null" : typeof value}`, text: String(value) });
}

function container(
  entries: [string, Json][],
  kind: "array" | "object",
  depth: number,
  options: Required<JsonOptions>,
): HTMLElement {
  const [open, close] = kind === "array" ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return el("span", { className: "oj-json-empty", text: open + close });
  const noun = kind === "array" ? "item" : "key";
  const summary = el("summary", {
    className: "oj-json-summary",
    text: `${open} ${entries.length} ${noun}${entries.length === 1 ? "" : "s"} ${close}`,
  });
  const children = el("div", { className: "oj-json-children" });
  const details = el("details", { className: "oj-json-container" }, [summary, children]);
  let filled = false;
  const fill = () => {
    if (filled) return;
    filled = true;
    for (const [key, item] of entries) {
      children.appendChild(
        el("div", { className: "oj-json-entry" }, [
          el("span", { className: "oj-json-key", text: kind === "array" ? `${key}: ` : `${key}: ` }),
          jsonNode(item, depth + 1, options),
        ]),
      );
    }
  };
  // children are built when first opened, so a huge payload costs nothing until looked at
  details.addEventListener("toggle", () => details.open && fill());
  if (depth < options.openDepth) {
    details.open = true;
    fill();
  }
  return details;
}

/** ``value`` as text cut to ``maxChars``, with a control that shows it whole. */
export function longText(value: string, maxChars: number, className: string): HTMLElement {
  const { text, cut } = truncate(value, maxChars);
  const span = el("span", { className, text: cut ? `${text}…` : value });
  if (!cut) return span;
  const toggle = el("button", {
    className: "oj-more",
    text: `show all (${value.length.toLocaleString("en-US")} chars)`,
    attrs: { type: "button" },
  });
  let expanded = false;
  toggle.addEventListener("click", (event) => {
    event.stopPropagation();
    expanded = !expanded;
    span.textContent = expanded ? value : `${text}…`;
    toggle.textContent = expanded ? "show less" : `show all (${value.length.toLocaleString("en-US")} chars)`;
  });
  return el("span", { className: "oj-json-long" }, [span, toggle]);
}
