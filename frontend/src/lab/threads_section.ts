/** The threads section of the panel (a project's conversations) and the tab a thread opens in. */
import { Widget } from "@lumino/widgets";
import { clear, el } from "../views/dom";
import { formatScore, formatTime, truncate } from "../views/format";
import { renderThread, textOf, type ThreadSummary } from "../views/threads";
import type { OpikClient } from "./client";

export class ThreadsSection extends Widget {
  onOpen: (projectId: string, threadId: string) => void = () => undefined;
  private readonly list = el("div", { className: "oj-lab-threads" });
  private shown = "";

  constructor(private readonly client: OpikClient) {
    super();
    this.addClass("oj-lab-section");
    this.title.label = "Threads";
    this.node.appendChild(this.list);
  }

  /** Show the threads of ``projectId`` (or of the most recently active project) if they changed. */
  async refresh(projectId: string | null, force = false): Promise<void> {
    const project = projectId ?? (await this.client.projects(1))[0]?.id ?? null;
    const threads = project ? await this.client.threads(project) : [];
    const key = JSON.stringify([project, threads]);
    if (key === this.shown && !force) return;
    this.shown = key;
    clear(this.list);
    if (!project || threads.length === 0) {
      this.list.appendChild(el("div", { className: "oj-lab-empty", text: "No threads yet: trace with a thread_id." }));
    }
    for (const thread of threads) if (project) this.list.appendChild(this.row(project, thread));
  }

  private row(projectId: string, thread: ThreadSummary): HTMLElement {
    const scores = (thread.feedback_scores ?? []).map((s) =>
      el("span", { className: "oj-score", text: `${s.name} ${formatScore(s.value)}` }),
    );
    const comments = thread.comments?.length ?? 0;
    const facts = [
      `${thread.number_of_messages} turn${thread.number_of_messages === 1 ? "" : "s"}`,
      formatTime(thread.last_updated_at),
      thread.status ?? "",
      comments ? `${comments} comment${comments === 1 ? "" : "s"}` : "",
    ].filter(Boolean);
    const row = el("button", { className: "oj-lab-thread", attrs: { type: "button", "data-thread": thread.id } }, [
      el("span", { className: "oj-lab-name", text: thread.id }),
      el("span", { className: "oj-lab-facts", text: truncate(textOf(thread.first_message), 80).text }),
      el("span", { className: "oj-lab-facts", text: facts.join(" · ") }),
      scores.length ? el("span", { className: "oj-scores" }, scores) : null,
    ]);
    row.addEventListener("click", () => this.onOpen(projectId, thread.id));
    return row;
  }
}

/** A thread in a tab: its turns as a chat with their scores, the thread's scores and comments. */
export class ThreadView extends Widget {
  constructor(
    private readonly client: OpikClient,
    readonly projectId: string,
    readonly threadId: string,
  ) {
    super();
    this.addClass("oj-root");
    this.addClass("oj-lab-thread-view");
    this.id = `opik-thread-${projectId}-${threadId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    this.title.label = `Thread: ${threadId}`;
    this.title.caption = threadId;
  }

  async refresh(): Promise<void> {
    const { thread, turns } = await this.client.thread(this.projectId, this.threadId);
    renderThread(this.node, thread, turns);
  }
}
