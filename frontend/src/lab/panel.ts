/** The side panel: status line, then Projects, Live traces, Experiments and Prompts as accordion sections. */
import { refreshIcon, SidePanel, ToolbarButton } from "@jupyterlab/ui-components";
import type { Message } from "@lumino/messaging";
import { type AccordionPanel, Widget } from "@lumino/widgets";
import { AnnotationQueuesSection } from "./annotation_queues_section";
import type { OpikClient, PromptSummary } from "./client";
import { DashboardSection } from "./dashboard_section";
import { ExperimentsSection } from "./experiments_section";
import { LiveFeed } from "./feed";
import { FeedSection } from "./feedview";
import { opikIcon } from "./icon";
import { ProjectsSection } from "./projects";
import { PromptsSection } from "./prompts";
import { StatusLine } from "./status";
import { ThreadsSection } from "./threads_section";
import type { Dataset, Experiment } from "./types";

export const FEED_INTERVAL_MS = 1000;
const STATUS_EVERY = 5;
const EXPERIMENTS_EVERY = 15;

export interface PanelActions {
  openTrace: (traceId: string) => void;
  compare: (dataset: Dataset, experiments: Experiment[]) => void;
  openPrompt: (prompt: PromptSummary) => void;
  openThread: (projectId: string, threadId: string) => void;
}

export class OpikPanel extends SidePanel {
  readonly feed: LiveFeed;
  private readonly statusLine = new StatusLine();
  private readonly projects = new ProjectsSection();
  private readonly feedView = new FeedSection();
  private readonly experiments: ExperimentsSection;
  private readonly prompts: PromptsSection;
  private readonly threads: ThreadsSection;
  private readonly queues: AnnotationQueuesSection;
  private readonly dashboard: DashboardSection;
  private projectsSeen = "";
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private busy = false;
  private notebook: string | null = null;

  constructor(
    private readonly client: OpikClient,
    actions: PanelActions,
  ) {
    super();
    this.id = "opik-jupyter-panel";
    this.addClass("oj-root");
    this.addClass("oj-lab-panel");
    this.title.icon = opikIcon;
    this.title.caption = "Opik: traces, experiments and prompts";
    this.feed = new LiveFeed(client);
    this.experiments = new ExperimentsSection(client);
    this.prompts = new PromptsSection(client);
    this.threads = new ThreadsSection(client);
    this.queues = new AnnotationQueuesSection(client);
    this.dashboard = new DashboardSection(client);
    const heading = new Widget();
    heading.addClass("oj-lab-heading");
    heading.node.textContent = "Opik";
    this.header.addWidget(heading);
    this.header.addWidget(this.statusLine);
    this.toolbar.addItem(
      "refresh",
      new ToolbarButton({ icon: refreshIcon, tooltip: "Refresh", onClick: () => void this.refresh(true) }),
    );
    for (const section of [this.projects, this.feedView, this.experiments, this.prompts]) this.addWidget(section);
    this.addWidget(this.threads);
    this.addWidget(this.queues);
    this.addWidget(this.dashboard);
    (this.content as AccordionPanel).setRelativeSizes([1, 2, 1, 1, 1, 1, 2]);
    this.wire(actions);
  }

  private wire(actions: PanelActions): void {
    this.projects.onSelect = (projectId) => this.requery({ projectId });
    this.feedView.onSearch = (search) => this.requery({ search });
    this.feedView.onNotebookOnly = (on) => this.requery({ notebook: on ? this.notebook : null });
    this.feedView.onOpen = actions.openTrace;
    this.experiments.onCompare = actions.compare;
    this.prompts.onOpen = actions.openPrompt;
    this.threads.onOpen = actions.openThread;
    this.queues.onOpenTrace = actions.openTrace;
  }

  /** The notebook in focus (its path), for "this notebook only". */
  setNotebook(path: string | null): void {
    this.notebook = path;
    this.feedView.setNotebook(path);
    if (this.feed.query.notebook !== null && path !== null) this.requery({ notebook: path });
  }

  /** Poll soon (a cell just ran: its trace is on its way). */
  refreshSoon(): void {
    for (const delay of [300, 900]) setTimeout(() => void this.refresh(), delay);
  }

  async refresh(everything = false): Promise<void> {
    if (this.busy || !this.isVisible) return;
    this.busy = true;
    try {
      if (everything || this.ticks % STATUS_EVERY === 0) this.statusLine.render(await this.client.status(), null);
      if (await this.feed.poll()) this.draw();
      // A new project is refreshed everywhere at once: the dashboard must not say "No
      // projects yet" beside the project list for the next few polls.
      const projects = this.feed.projects.map((p) => p.id).join("|");
      const newProject = projects !== this.projectsSeen;
      this.projectsSeen = projects;
      if (everything || newProject || this.ticks % EXPERIMENTS_EVERY === 0) {
        await this.experiments.refresh(everything);
        await this.prompts.refresh(everything);
        await this.threads.refresh(this.feed.query.projectId, everything);
        await this.queues.refresh(everything);
        await this.dashboard.refresh();
      }
    } catch (error) {
      this.statusLine.render(null, (error as Error).message || `${error}`);
    } finally {
      this.ticks += 1;
      this.busy = false;
    }
  }

  private requery(change: Parameters<LiveFeed["setQuery"]>[0]): void {
    this.feed.setQuery(change);
    this.draw();
    void this.refresh();
    if ("projectId" in change) void this.threads.refresh(this.feed.query.projectId).catch(() => undefined);
  }

  private draw(): void {
    const { search, notebook } = this.feed.query;
    this.projects.render(this.feed.projects, this.feed.query.projectId);
    const empty = search || notebook ? "No trace matches." : "No traces yet: run a cell with %%opik_track.";
    this.feedView.render(this.feed.items, empty);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.ticks = 0;
    void this.refresh(true);
    this.timer ??= setInterval(() => void this.refresh(), FEED_INTERVAL_MS);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    clearInterval(this.timer);
    super.dispose();
  }
}
