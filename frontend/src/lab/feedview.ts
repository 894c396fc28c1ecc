/** The live feed section: newest traces, a search box, and "this notebook only". */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatDuration, formatScore, formatTime, formatTokens } from "../views/format";
import { searchBox } from "../views/search";
import type { FeedItem } from "./panel_data";
import { ago, costOrDash } from "./text";

export class FeedSection extends Widget {
  onSearch: (text: string) => void = () => undefined;
  onNotebookOnly: (on: boolean) => void = () => undefined;
  onOpen: (traceId: string) => void = () => undefined;
  private readonly list = el("div", { className: "oj-lab-feed", attrs: { role: "list" } });
  private readonly notebookBox = el("input", { attrs: { type: "checkbox" } });
  private readonly notebookLabel = el("span", { text: "This notebook only" });

  constructor() {
    super();
    this.addClass("oj-lab-section");
    this.title.label = "Live traces";
    const search = searchBox({
      className: "jp-mod-styled oj-lab-search",
      placeholder: "Search traces",
      label: "search traces",
      onSearch: (text) => this.onSearch(text),
    });
    this.notebookBox.addEventListener("change", () => this.onNotebookOnly(this.notebookBox.checked));
    const toggle = el("label", { className: "oj-lab-check" }, [this.notebookBox, this.notebookLabel]);
    this.node.append(el("div", { className: "oj-lab-controls" }, [search, toggle]), this.list);
  }

  /** Name the current notebook next to the checkbox (disabled when there is none). */
  setNotebook(path: string | null): void {
    this.notebookBox.disabled = path === null;
    this.notebookLabel.textContent = path ? `Only ${path.split("/").pop()}` : "This notebook only";
    this.notebookLabel.title = path ?? "open a notebook first";
  }

  render(items: FeedItem[], empty: string): void {
    clear(this.list);
    if (items.length === 0) this.list.appendChild(el("div", { className: "oj-lab-empty", text: empty }));
    for (const item of items) this.list.appendChild(this.row(item));
  }

  private row(item: FeedItem): HTMLElement {
    const when = ago(item.start_time);
    const facts = [item.running ? "running" : formatDuration(item.duration_ms)];
    if (item.tokens) facts.push(`${formatTokens(item.tokens)} tok`);
    if (item.cost) facts.push(costOrDash(item.cost));
    if (item.project) facts.push(item.project);
    const scores = item.scores.map((s) =>
      el("span", {
        className: "oj-score",
        text: `${s.name.replace(/_metric$/, "")} ${formatScore(s.value)}`,
        title: s.name,
      }),
    );
    const hover = [item.name, `trace ${item.id}`, formatTime(item.start_time), facts.join(" · ")];
    const row = el(
      "div",
      {
        className: `oj-lab-feed-row${item.error ? " oj-lab-error" : ""}`,
        title: [...hover, ...item.scores.map((s) => `${s.name} = ${formatScore(s.value)}`)].join("\n"),
        attrs: { role: "listitem", tabindex: "0", "data-id": item.id },
        onClick: () => this.onOpen(item.id),
      },
      [
        el("div", { className: "oj-lab-feed-line" }, [
          el("span", {
            className: `oj-lab-dot oj-lab-dot-${item.error ? "down" : item.running ? "starting" : "connected"}`,
          }),
          el("span", { className: "oj-lab-name", text: item.name }),
          item.error ? el("span", { className: "oj-error-badge", text: "error" }) : null,
          el("span", { className: "oj-lab-when", text: when }),
        ]),
        el("div", { className: "oj-lab-feed-facts" }, [
          el("span", { className: "oj-lab-facts", text: facts.filter(Boolean).join(" · ") }),
          ...scores,
        ]),
      ],
    );
    row.addEventListener("keydown", (event) => event.key === "Enter" && this.onOpen(item.id));
    return row;
  }
}
