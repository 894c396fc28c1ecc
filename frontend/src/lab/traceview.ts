/** A trace in a main-area tab: the span tree (timeline, input/output), its scores and comments, and forms to add them. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatScore, formatTime } from "../views/format";
import { copyButton } from "../views/copy";
import { render as renderTree } from "../views/tree";
import type { OpikClient } from "./client";
import { commentFromForm, commentLines, scoreFromForm } from "./panel_data";
import type { BackendComment, BackendScore } from "./types";

export class TraceView extends Widget {
  private readonly tree = el("div", { className: "oj-lab-tree" });
  private readonly scores = el("tbody");
  private readonly message = el("span", { className: "oj-lab-message", attrs: { role: "status" } });
  private readonly names = el("datalist");
  private readonly comments = el("ol", { className: "oj-lab-comments", attrs: { "aria-label": "comments" } });
  private readonly commentMessage = el("span", { className: "oj-lab-message", attrs: { role: "status" } });

  constructor(
    private readonly client: OpikClient,
    readonly traceId: string,
  ) {
    super();
    this.addClass("oj-root");
    this.addClass("oj-lab-trace");
    this.id = `opik-trace-${traceId}`;
    this.names.id = `${this.id}-names`;
    this.node.append(idLine("trace", traceId), this.tree, this.annotations(), this.commentsSection());
  }

  /** Read the trace again and draw it. */
  async refresh(): Promise<void> {
    const [data, raw] = await Promise.all([this.client.trace(this.traceId), this.client.rawTrace(this.traceId)]);
    this.title.label = data.trace.name;
    this.title.caption = `trace ${this.traceId}`;
    renderTree(this.tree, data, { traceIdShown: true });
    this.renderScores(raw.feedback_scores ?? []);
    this.renderComments(raw.comments ?? []);
    void this.client.scoreNames().then(
      (names) => this.names.replaceChildren(...names.map((name) => el("option", { attrs: { value: name } }))),
      () => undefined,
    );
  }

  private annotations(): HTMLElement {
    const name = el("input", {
      className: "jp-mod-styled",
      attrs: { type: "text", placeholder: "name (e.g. correctness)", "aria-label": "score name", list: this.names.id },
    });
    const value = el("input", {
      className: "jp-mod-styled",
      attrs: { type: "number", step: "any", placeholder: "value", "aria-label": "score value" },
    });
    const comment = el("textarea", {
      className: "jp-mod-styled",
      attrs: { rows: "2", placeholder: "comment (optional)", "aria-label": "comment" },
    });
    const submit = el("button", {
      className: "jp-mod-styled jp-mod-accept oj-lab-button",
      text: "Add score",
      attrs: { type: "submit" },
    });
    const form = el("form", { className: "oj-lab-score-form" }, [
      name,
      value,
      comment,
      el("div", { className: "oj-lab-actions" }, [submit, this.message]),
      this.names,
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit(name.value, value.value, comment.value, () => form.reset());
    });
    const head = el("thead", {}, [
      el(
        "tr",
        {},
        ["Score", "Value", "Comment", "By", "When"].map((text) =>
          el("th", { text, className: text === "Value" ? "oj-cell-num" : "" }),
        ),
      ),
    ]);
    return el("section", { className: "oj-lab-annotations" }, [
      el("h3", { text: "Feedback" }),
      el("table", { className: "oj-lab-table" }, [head, this.scores]),
      form,
    ]);
  }

  /** The trace's comments (annotations), apart from the scores, and a form to add one. */
  private commentsSection(): HTMLElement {
    const text = el("textarea", {
      className: "jp-mod-styled",
      attrs: {
        rows: "2",
        placeholder: "Add a comment (Enter to send, Shift+Enter for a new line)",
        "aria-label": "new comment",
      },
    });
    const submit = el("button", {
      className: "jp-mod-styled jp-mod-accept oj-lab-button",
      text: "Add comment",
      attrs: { type: "submit" },
    });
    const form = el("form", { className: "oj-lab-comment-form" }, [
      text,
      el("div", { className: "oj-lab-actions" }, [submit, this.commentMessage]),
    ]);
    const send = () => void this.submitComment(text.value, () => form.reset());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send();
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
    return el("section", { className: "oj-lab-annotations oj-lab-comments-section" }, [
      el("h3", { text: "Comments" }),
      this.comments,
      form,
    ]);
  }

  private async submitComment(text: string, reset: () => void): Promise<void> {
    const { comment, error } = commentFromForm(text);
    if (!comment) return say(this.commentMessage, error ?? "", true);
    await this.save(this.commentMessage, () => this.client.addComment(this.traceId, comment), "comment saved", reset);
  }

  private renderComments(comments: BackendComment[]): void {
    clear(this.comments);
    const lines = commentLines(comments);
    if (lines.length === 0)
      this.comments.appendChild(el("li", { className: "oj-lab-empty", text: "No comments yet." }));
    for (const line of lines) {
      const meta = [line.by, formatTime(line.when), line.edited ? "(edited)" : ""].filter(Boolean).join(" · ");
      this.comments.appendChild(
        el("li", { className: "oj-lab-comment", attrs: { "data-id": line.id } }, [
          el("div", { className: "oj-lab-comment-text", text: line.text }),
          el("div", { className: "oj-lab-comment-meta", text: meta }),
        ]),
      );
    }
  }

  private async submit(name: string, value: string, comment: string, reset: () => void): Promise<void> {
    const { score, error } = scoreFromForm(name, value, comment);
    if (!score) return say(this.message, error ?? "", true);
    await this.save(
      this.message,
      () => this.client.addScore(this.traceId, score),
      `saved ${score.name} = ${formatScore(score.value)}`,
      reset,
    );
  }

  /** Send a form's annotation; on success reset the form and reload the trace. */
  private async save(
    message: HTMLElement,
    write: () => Promise<unknown>,
    saved: string,
    reset: () => void,
  ): Promise<void> {
    try {
      await write();
      reset();
      say(message, saved, false);
      await this.refresh();
    } catch (failure) {
      say(message, `not saved: ${(failure as Error).message}`, true);
    }
  }

  private renderScores(scores: BackendScore[]): void {
    clear(this.scores);
    if (scores.length === 0) {
      const empty = el("td", { className: "oj-lab-empty", text: "No scores yet." });
      empty.setAttribute("colspan", "5");
      this.scores.appendChild(el("tr", {}, [empty]));
    }
    for (const score of scores) {
      this.scores.appendChild(
        el("tr", { attrs: { "data-name": score.name } }, [
          el("td", { className: "oj-lab-name", text: score.name }),
          el("td", { className: "oj-cell-num", text: formatScore(score.value) }),
          el("td", { className: "oj-lab-reason", text: score.reason ?? "" }),
          el("td", { text: score.created_by || score.source || "" }),
          el("td", { text: formatTime(score.last_updated_at) }),
        ]),
      );
    }
  }
}

/** "trace <id>" with a button that copies the id (the id itself selects with one click). */
export function idLine(kind: string, id: string): HTMLElement {
  return el("div", { className: "oj-lab-trace-id" }, [
    el("span", { text: kind }),
    el("code", { text: id, attrs: { "data-copy": id } }),
    copyButton(id, { text: "Copy id", label: `copy the ${kind} id`, className: "jp-mod-styled oj-lab-link" }),
  ]);
}

/** Show a form's outcome next to its button. */
function say(message: HTMLElement, text: string, error: boolean): void {
  message.textContent = text;
  message.classList.toggle("oj-error-text", error);
}
