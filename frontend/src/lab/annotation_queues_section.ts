/** The annotation queues section: each queue with its progress bar (n of m done); opening
 * one lists its items, done or to do, and a trace item opens in a tab. */
import { Widget } from "@lumino/widgets";
import { progressBar } from "../views/annotation";
import { clear, el } from "../views/dom";
import type { AnnotationQueueSummary, OpikClient } from "./client";

export class AnnotationQueuesSection extends Widget {
  onOpenTrace: (traceId: string) => void = () => undefined;
  private readonly list = el("div", { className: "oj-lab-queues" });
  private readonly open = new Set<string>();
  /** The items last read per queue: drawn at once when the list is redrawn, then read again. */
  private readonly loaded = new Map<string, { id: string; done: boolean }[]>();
  private shown = "";

  constructor(private readonly client: OpikClient) {
    super();
    this.addClass("oj-lab-section");
    this.title.label = "Annotation queues";
    this.node.appendChild(this.list);
  }

  /** Show the queues if they or their progress changed (opened ones stay open). */
  async refresh(force = false): Promise<void> {
    const queues = await this.client.annotationQueues();
    const key = JSON.stringify(queues.map((q) => [q.id, q.name, q.items_count, q.items_done]));
    if (key === this.shown && !force) return;
    this.shown = key;
    clear(this.list);
    if (queues.length === 0) {
      this.list.appendChild(
        el("div", {
          className: "oj-lab-empty",
          text: "No annotation queues yet: create_annotation_queue() makes one.",
        }),
      );
    }
    for (const queue of queues) this.list.appendChild(this.queueNode(queue));
  }

  private queueNode(queue: AnnotationQueueSummary): HTMLElement {
    const body = el("div", { className: "oj-lab-queue-items" });
    const scores = (queue.feedback_definition_names ?? []).join(", ");
    const summary = el("summary", {}, [
      el("span", { className: "oj-lab-name", text: queue.name }),
      el("span", {
        className: "oj-lab-facts",
        text: `${queue.project_name ?? ""} · ${queue.scope === "thread" ? "threads" : "traces"}${scores ? ` · ${scores}` : ""}`,
      }),
      progressBar(queue.items_done ?? 0, queue.items_count ?? 0),
    ]);
    const details = el("details", { className: "oj-lab-queue", attrs: { "data-id": queue.id } }, [summary, body]);
    details.addEventListener("toggle", () => {
      if (details.open) this.open.add(queue.id);
      else this.open.delete(queue.id);
      if (details.open)
        void this.items(queue, body).catch((error) =>
          body.replaceChildren(el("div", { className: "oj-error-text", text: `${error}` })),
        );
    });
    details.open = this.open.has(queue.id);
    return details;
  }

  private async items(queue: AnnotationQueueSummary, body: HTMLElement): Promise<void> {
    const known = this.loaded.get(queue.id);
    if (known) this.drawItems(queue, known, body);
    const items = await this.client.annotationQueueItems(queue.id);
    this.loaded.set(queue.id, items);
    this.drawItems(queue, items, body);
  }

  private drawItems(queue: AnnotationQueueSummary, items: { id: string; done: boolean }[], body: HTMLElement): void {
    clear(body);
    body.appendChild(
      el("div", { className: "oj-lab-hint", text: "Annotate in a notebook: " }, [
        el("code", { text: `oj.AnnotationQueue(${JSON.stringify(queue.name)})` }),
      ]),
    );
    for (const item of items) {
      const row = el("div", { className: "oj-lab-queue-item", attrs: { "data-id": item.id } }, [
        el("span", { className: item.done ? "oj-lab-mark oj-lab-done" : "oj-lab-mark", text: item.done ? "✓" : "○" }),
        el("span", { className: "oj-lab-id", text: item.id }),
      ]);
      if (queue.scope === "trace") {
        row.classList.add("oj-lab-clickable");
        row.addEventListener("click", () => this.onOpenTrace(item.id));
      }
      body.appendChild(row);
    }
  }
}
