/** The one search box of the views: it asks after typing pauses, or at once on Enter. */
import { el } from "./dom";

export const SEARCH_DELAY_MS = 300;

export interface SearchBoxOptions {
  placeholder: string;
  /** The accessible name (screen readers, tests). */
  label: string;
  /** Called with the box's text once typing paused for ``delayMs``, or on Enter. */
  onSearch: (text: string) => void;
  className?: string;
  delayMs?: number;
}

export function searchBox(options: SearchBoxOptions): HTMLInputElement {
  const box = el("input", {
    className: options.className ?? "oj-search",
    attrs: { type: "search", placeholder: options.placeholder, "aria-label": options.label },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const now = () => {
    clearTimeout(timer);
    options.onSearch(box.value);
  };
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(now, options.delayMs ?? SEARCH_DELAY_MS);
  });
  box.addEventListener("keydown", (event) => event.key === "Enter" && now());
  return box;
}
