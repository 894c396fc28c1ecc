/**
 * The live feed: newest traces across projects, read by polling. Each poll is one cheap
 * request (the project list, which carries each project's last trace update); only the
 * projects that changed since the last poll have their newest traces read again.
 */
import type { OpikClient } from "./client";
import { byActivity, changedProjects, feedItem, mergeFeed, type FeedItem } from "./panel_data";
import type { Project } from "./types";

export interface FeedQuery {
  search: string;
  /** Only traces made in this notebook (its path), or all. */
  notebook: string | null;
  /** Only this project (its id), or all. */
  projectId: string | null;
}

export class LiveFeed {
  items: FeedItem[] = [];
  projects: Project[] = [];
  query: FeedQuery = { search: "", notebook: null, projectId: null };
  private seen = new Map<string, string>();

  constructor(
    private readonly client: OpikClient,
    readonly limit = 50,
  ) {}

  /** Change what the feed shows; the next poll reads every project again. */
  setQuery(change: Partial<FeedQuery>): void {
    this.query = { ...this.query, ...change };
    this.seen.clear();
    this.items = [];
  }

  /** Read what changed; true when the projects or the rows are different. */
  async poll(): Promise<boolean> {
    const projects = byActivity(await this.client.projects());
    const projectsChanged = JSON.stringify(projects) !== JSON.stringify(this.projects);
    this.projects = projects;
    const inScope = projects.filter((p) => this.query.projectId === null || p.id === this.query.projectId);
    const changed = changedProjects(inScope, this.seen);
    const known = new Set(inScope.map((p) => p.id));
    if (changed.length === 0 && this.items.every((item) => known.has(item.project_id))) return projectsChanged;
    const pages = await Promise.all(
      changed.map(async (project) => {
        const traces = await this.client.traces(project, { ...this.query, size: this.limit });
        return traces.map((trace) => feedItem(trace, project));
      }),
    );
    this.items = mergeFeed(this.items, pages.flat(), new Set(changed.map((p) => p.id)), known, this.limit);
    for (const project of changed) this.seen.set(project.id, project.last_updated_trace_at ?? "");
    return true;
  }
}
