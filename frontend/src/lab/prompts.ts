/** The prompt library: a searchable list of prompts in the side panel, and a main-area tab
 *  per prompt with its versions, a diff of any two, and the experiments that used them. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatTime } from "../views/format";
import { renderPromptHistory } from "../views/prompts";
import { searchBox } from "../views/search";
import type { OpikClient, PromptSummary } from "./client";

export class PromptsSection extends Widget {
  onOpen: (prompt: PromptSummary) => void = () => undefined;
  private readonly list = el("div", { className: "oj-lab-prompts" });
  private search = "";
  private shown = "";

  constructor(private readonly client: OpikClient) {
    super();
    this.addClass("oj-lab-section");
    this.title.label = "Prompts";
    const input = searchBox({
      className: "jp-mod-styled oj-lab-search",
      placeholder: "Search prompts",
      label: "search prompts",
      onSearch: (text) => {
        this.search = text.trim();
        void this.refresh(true);
      },
    });
    this.node.append(el("div", { className: "oj-lab-controls" }, [input]), this.list);
  }

  /** Show the prompts matching the search, if they changed. */
  async refresh(force = false): Promise<void> {
    const prompts = await this.client.prompts(this.search);
    const key = JSON.stringify(prompts);
    if (key === this.shown && !force) return;
    this.shown = key;
    clear(this.list);
    if (prompts.length === 0) {
      const text = this.search ? "No prompt matches." : "No prompts yet: oj.Prompt(name, template) creates one.";
      this.list.appendChild(el("div", { className: "oj-lab-empty", text }));
    }
    for (const prompt of prompts) this.list.appendChild(this.row(prompt));
  }

  private row(prompt: PromptSummary): HTMLElement {
    const count = prompt.version_count ?? 0;
    return el(
      "button",
      {
        className: "oj-lab-prompt",
        title: prompt.description || `open ${prompt.name}`,
        attrs: { type: "button", "data-id": prompt.id },
        onClick: () => this.onOpen(prompt),
      },
      [
        el("span", { className: "oj-lab-name", text: prompt.name }),
        el("span", {
          className: "oj-lab-facts",
          text: `${prompt.template_structure} · ${count} version${count === 1 ? "" : "s"} · ${formatTime(
            prompt.last_updated_at,
          )}`,
        }),
        (prompt.tags ?? []).length
          ? el("span", { className: "oj-lab-facts oj-lab-tags", text: (prompt.tags ?? []).join(", ") })
          : null,
      ],
    );
  }
}

/** A prompt's history in a main-area tab. */
export class PromptView extends Widget {
  onExperiment: (experimentId: string) => void = () => undefined;

  constructor(
    private readonly client: OpikClient,
    readonly prompt: PromptSummary,
  ) {
    super();
    this.addClass("oj-root");
    this.addClass("oj-lab-prompt-view");
    this.id = `opik-prompt-${prompt.id}`;
    this.title.label = `Prompt: ${prompt.name}`;
    this.title.caption = prompt.description ?? prompt.name;
  }

  async refresh(): Promise<void> {
    const data = await this.client.promptHistory(this.prompt);
    renderPromptHistory(this.node, data, { onExperiment: (id) => this.onExperiment(id) });
  }
}
