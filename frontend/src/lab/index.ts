/**
 * The opik-jupyter JupyterLab extension: a side panel (backend status, projects, a live
 * trace feed, experiments, prompts), traces, experiment comparisons and prompt histories in
 * main-area tabs, and
 * command palette entries. Every request goes through ``requestAPI`` to the server
 * extension's authenticated proxy under ``<base_url>/opik/``.
 */
import { ILabShell, ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { Dialog, ICommandPalette, InputDialog, MainAreaWidget, WidgetTracker } from "@jupyterlab/apputils";
import { INotebookTracker, NotebookActions } from "@jupyterlab/notebook";
import { refreshIcon, ToolbarButton } from "@jupyterlab/ui-components";
import type { Widget } from "@lumino/widgets";
import { OpikClient, type PromptSummary } from "./client";
import { ComparisonView } from "./compare";
import { opikIcon } from "./icon";
import { OpikPanel } from "./panel";
import { PromptView } from "./prompts";
import { ThreadView } from "./threads_section";
import { requestAPI, requestBlob } from "./request";
import { TraceView } from "./traceview";
import type { Dataset, Experiment } from "./types";

const CommandIDs = {
  openPanel: "opik-jupyter:open-panel",
  openTrace: "opik-jupyter:open-trace",
  reopen: "opik-jupyter:reopen-tab",
} as const;

const CATEGORY = "Opik";

type Refreshable = Widget & { refresh(): Promise<void> };
type Show = (app: JupyterFrontEnd, content: Refreshable) => void;
type Tab = MainAreaWidget<Refreshable>;

/** The open trace and comparison tabs, which JupyterLab's layout restorer reopens after a reload. */
const tabs = new WidgetTracker<Tab>({ namespace: "opik-jupyter" });

/** What reopens a tab after a reload: the trace's id, or the comparison's dataset and experiments. */
function reopenArgs(tab: Tab): Record<string, unknown> {
  const content = tab.content;
  if (content instanceof ComparisonView) return { dataset: content.source, experiments: content.experiments };
  return { traceId: (content as TraceView).traceId };
}

/** Put ``content`` in a main-area tab (or bring its tab forward if it is open): JupyterLab. */
function showInMain(app: JupyterFrontEnd, content: Refreshable): void {
  const existing = Array.from(app.shell.widgets("main")).find((w) => w.id === `${content.id}-tab`);
  if (existing) {
    content.dispose();
    app.shell.activateById(existing.id);
    return;
  }
  const tab: Tab = new MainAreaWidget({ content });
  tab.id = `${content.id}-tab`;
  tab.title.icon = opikIcon;
  tab.title.closable = true;
  const retitle = () => {
    tab.title.label = content.title.label;
    tab.title.caption = content.title.caption;
  };
  tab.toolbar.addItem(
    "refresh",
    new ToolbarButton({ icon: refreshIcon, tooltip: "Reload", onClick: () => void load(content, retitle) }),
  );
  app.shell.add(tab, "main");
  void tabs.add(tab);
  app.shell.activateById(tab.id);
  void load(content, retitle);
}

/**
 * Show ``content`` in a dialog over the page: Notebook 7, whose main area holds the one
 * document of the page and silently refuses a second widget. Enter in the content's fields
 * is theirs (it submits the score form) rather than the dialog's "close".
 */
function showInDialog(_app: JupyterFrontEnd, content: Refreshable): void {
  const dialog = new Dialog({
    title: content instanceof TraceView ? "Opik trace" : "Opik comparison",
    body: content,
    buttons: [Dialog.cancelButton({ label: "Close" })],
    hasClose: true,
  });
  dialog.addClass("oj-lab-dialog");
  const keepEnter = (event: KeyboardEvent) => {
    if (event.key === "Enter" && content.node.contains(event.target as Node)) event.stopPropagation();
  };
  window.addEventListener("keydown", keepEnter, true); // before the dialog's own capture
  void dialog.launch().finally(() => window.removeEventListener("keydown", keepEnter, true));
  void load(content, () => undefined);
}

async function load(content: Refreshable, retitle: () => void): Promise<void> {
  try {
    await content.refresh();
    retitle();
  } catch (error) {
    content.title.label = "Opik: not found";
    retitle();
    content.node.replaceChildren(
      Object.assign(document.createElement("div"), {
        className: "oj-lab-empty",
        textContent: `${(error as Error).message}`,
      }),
    );
  }
}

function activate(
  app: JupyterFrontEnd,
  palette: ICommandPalette | null,
  notebooks: INotebookTracker | null,
  labShell: ILabShell | null,
  restorer: ILayoutRestorer | null,
): void {
  const client = new OpikClient(requestAPI, requestBlob);
  // JupyterLab: tabs in the main area; Notebook 7 (no ILabShell): dialogs over the page
  const show: Show = labShell ? showInMain : showInDialog;
  const openTrace = (traceId: string) => show(app, new TraceView(client, traceId));
  const compare = (dataset: Dataset, experiments: Experiment[]) => {
    const view = new ComparisonView(client, dataset, experiments);
    view.onOpenTrace = openTrace;
    show(app, view);
  };
  const openPrompt = (prompt: PromptSummary) => {
    const view = new PromptView(client, prompt);
    view.onExperiment = (experimentId) =>
      void client
        .experiment(experimentId)
        .then((experiment) =>
          compare({ id: experiment.dataset_id, name: experiment.dataset_name ?? "dataset" }, [experiment]),
        );
    show(app, view);
  };
  const openThread = (projectId: string, threadId: string) => show(app, new ThreadView(client, projectId, threadId));
  const panel = new OpikPanel(client, { openTrace, compare, openPrompt, openThread });
  // JupyterLab: the left side bar; Notebook 7 (no ILabShell): its right side panel, on its
  // tree and document pages alike, listed under View > Right Sidebar by its caption
  app.shell.add(panel, labShell ? "left" : "right", { rank: 600 });

  if (notebooks) {
    const follow = () => panel.setNotebook(notebooks.currentWidget?.context.path ?? null);
    notebooks.currentChanged.connect(follow);
    follow();
    NotebookActions.executed.connect(() => panel.refreshSoon());
  }
  app.commands.addCommand(CommandIDs.openPanel, {
    label: "Opik: open panel",
    caption: "Show the Opik side panel: backend status, projects, live traces, experiments, prompts",
    execute: () => app.shell.activateById(panel.id),
  });
  app.commands.addCommand(CommandIDs.openTrace, {
    label: (args) => (args.traceId ? `Opik: open trace ${args.traceId}` : "Opik: open trace by id"),
    execute: async (args) => {
      let traceId = typeof args.traceId === "string" ? args.traceId : "";
      if (!traceId) {
        const answer = await InputDialog.getText({ title: "Open trace by id", placeholder: "trace id (UUID)" });
        traceId = answer.button.accept ? (answer.value ?? "").trim() : "";
      }
      if (traceId) openTrace(traceId);
    },
  });
  for (const command of [CommandIDs.openPanel, CommandIDs.openTrace]) palette?.addItem({ command, category: CATEGORY });
  app.commands.addCommand(CommandIDs.reopen, {
    label: "Opik: reopen a trace or comparison tab",
    execute: (args) => {
      const experiments = args.experiments as unknown as Experiment[] | undefined;
      if (typeof args.traceId === "string") openTrace(args.traceId);
      else if (args.dataset && experiments?.length) compare(args.dataset as unknown as Dataset, experiments);
    },
  });
  if (restorer && labShell) {
    restorer.add(panel, "opik-jupyter-panel");
    void restorer.restore(tabs, {
      command: CommandIDs.reopen,
      args: (tab) => reopenArgs(tab) as never,
      name: (tab) => tab.content.id,
    });
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "opik-jupyter:side-panel",
  description: "Opik traces, feedback and experiments next to the notebook.",
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker, ILabShell, ILayoutRestorer],
  activate,
};

export default plugin;
