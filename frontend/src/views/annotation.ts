/**
 * An annotation queue's reviewing form: progress (n of m done) with a bar, the queue's
 * instructions, the current item (a trace's tree, or a thread's turns as a conversation),
 * one control per score the queue asks for (options as buttons, a range as a slider with a
 * number box), a comment box, and Previous / Save & next.
 */
import { conversation } from "./conversation";
import { renderConversation } from "./chat";
import { clear, el } from "./dom";
import { formatScore } from "./format";
import { render as renderJson } from "./json";
import { render as renderTree } from "./tree";
import type { Json, TraceData } from "./types";

export interface ScoreOption {
  label: string;
  value: number;
}

/** A score the queue asks for: options (categorical, boolean) or a range (numerical). */
export interface ScoreDefinition {
  name: string;
  type: string;
  options?: ScoreOption[];
  min?: number;
  max?: number;
}

export interface QueueInfo {
  id: string;
  name: string;
  scope: "trace" | "thread";
  project_name?: string;
  instructions?: string | null;
  comments_enabled?: boolean;
}

export interface ThreadTurn {
  id: string;
  name?: string;
  input?: Json;
  output?: Json;
}

export interface QueueItem {
  id: string;
  scores: Record<string, number>;
  comments: string[];
  trace?: TraceData;
  turns?: ThreadTurn[];
  problem?: string;
}

export interface AnnotationState {
  queue: QueueInfo;
  definitions: ScoreDefinition[];
  items: { id: string; done: boolean }[];
  index: number;
  item: QueueItem | null;
  error: string;
}

export interface AnnotationCallbacks {
  save(scores: Record<string, number>, comment: string): void;
  show(index: number): void;
}

/** A progress bar with "n of m done" beside it. */
export function progressBar(done: number, total: number): HTMLElement {
  const share = total ? Math.round((100 * done) / total) : 0;
  const fill = el("div", { className: "oj-progress-fill" });
  fill.style.width = `${share}%`;
  return el("div", { className: "oj-progress" }, [
    el(
      "div",
      {
        className: "oj-progress-bar",
        attrs: { role: "progressbar", "aria-valuenow": String(done), "aria-valuemax": String(total) },
      },
      [fill],
    ),
    el("span", { className: "oj-progress-text", text: `${done} of ${total} done` }),
  ]);
}

export function renderAnnotation(container: HTMLElement, state: AnnotationState, callbacks: AnnotationCallbacks): void {
  clear(container);
  const done = state.items.filter((item) => item.done).length;
  const head = el("div", { className: "oj-aq-head" }, [
    el("span", { className: "oj-aq-name", text: state.queue.name }),
    el("span", { className: "oj-aq-scope", text: state.queue.scope === "thread" ? "threads" : "traces" }),
    progressBar(done, state.items.length),
  ]);
  container.appendChild(el("div", { className: "oj-aq" }, [head]));
  const root = container.firstChild as HTMLElement;
  if (state.queue.instructions)
    root.appendChild(el("div", { className: "oj-aq-instructions", text: state.queue.instructions }));
  if (!state.item || !state.items.length) {
    root.appendChild(el("div", { className: "oj-note", text: "This queue has no items yet." }));
    return;
  }
  const current = state.items[state.index];
  root.appendChild(
    el("div", { className: "oj-aq-position" }, [
      el("span", { text: `Item ${state.index + 1} of ${state.items.length}` }),
      el("span", {
        className: current?.done ? "oj-aq-badge oj-aq-done" : "oj-aq-badge",
        text: current?.done ? "done" : "to do",
      }),
      el("code", { className: "oj-aq-id", text: state.item.id }),
    ]),
  );
  const body = el("div", { className: "oj-aq-body" }, [itemView(state.item), form(state, callbacks)]);
  root.appendChild(body);
}

function itemView(item: QueueItem): HTMLElement {
  const box = el("div", { className: "oj-aq-item" });
  if (item.problem) box.appendChild(el("div", { className: "oj-error", text: item.problem }));
  if (item.trace && item.trace.trace) renderTree(box, item.trace);
  for (const turn of item.turns ?? []) box.appendChild(turnView(turn));
  return box;
}

function turnView(turn: ThreadTurn): HTMLElement {
  const messages = conversation(turn.input, turn.output);
  const part = el("div", { className: "oj-aq-turn" }, [
    el("div", { className: "oj-aq-turn-name", text: turn.name ?? turn.id }),
  ]);
  if (messages) {
    part.appendChild(renderConversation(messages));
  } else {
    for (const [label, value] of [
      ["input", turn.input],
      ["output", turn.output],
    ] as const) {
      const slot = el("div", { className: "oj-aq-payload" }, [el("div", { className: "oj-aq-label", text: label })]);
      renderJson(slot, value);
      part.appendChild(slot);
    }
  }
  return part;
}

function form(state: AnnotationState, callbacks: AnnotationCallbacks): HTMLElement {
  const item = state.item as QueueItem;
  const chosen: Record<string, number> = { ...item.scores };
  const save = el("button", { className: "oj-aq-save", text: "Save & next" }) as HTMLButtonElement;
  const ready = () => {
    save.disabled = !state.definitions.every((d) => d.name in chosen);
  };
  const controls = state.definitions.map((definition) =>
    scoreControl(definition, chosen[definition.name], (value) => {
      chosen[definition.name] = value;
      ready();
    }),
  );
  const comment = el("textarea", {
    className: "oj-aq-comment",
    attrs: { rows: "3", placeholder: "Comment (optional)", "aria-label": "comment" },
  }) as HTMLTextAreaElement;
  save.addEventListener("click", () => {
    save.disabled = true;
    save.textContent = "Saving…";
    callbacks.save(chosen, comment.value);
  });
  const back = el("button", {
    className: "oj-aq-nav",
    text: "← Previous",
    onClick: () => callbacks.show(state.index - 1),
  }) as HTMLButtonElement;
  back.disabled = state.index === 0;
  const skip = el("button", {
    className: "oj-aq-nav",
    text: "Skip →",
    onClick: () => callbacks.show(state.index + 1),
  }) as HTMLButtonElement;
  skip.disabled = state.index >= state.items.length - 1;
  ready();
  return el("div", { className: "oj-aq-form" }, [
    ...controls,
    state.queue.comments_enabled === false ? null : comment,
    item.comments.length
      ? el("div", { className: "oj-aq-previous", text: `Earlier: ${item.comments.join(" · ")}` })
      : null,
    state.error ? el("div", { className: "oj-error oj-aq-error", text: state.error }) : null,
    el("div", { className: "oj-aq-actions" }, [back, skip, save]),
  ]);
}

function scoreControl(
  definition: ScoreDefinition,
  current: number | undefined,
  pick: (value: number) => void,
): HTMLElement {
  const label = el("div", { className: "oj-aq-label", text: definition.name });
  const field = el("div", { className: "oj-aq-score", attrs: { "data-score": definition.name } }, [label]);
  if (definition.options) {
    const buttons = definition.options.map((option) => {
      const button = el("button", {
        className: option.value === current ? "oj-aq-option oj-aq-chosen" : "oj-aq-option",
        text: option.label,
        title: `${option.label} = ${formatScore(option.value)}`,
        attrs: { "aria-pressed": String(option.value === current) },
      });
      button.addEventListener("click", () => {
        for (const other of buttons) {
          other.classList.remove("oj-aq-chosen");
          other.setAttribute("aria-pressed", "false");
        }
        button.classList.add("oj-aq-chosen");
        button.setAttribute("aria-pressed", "true");
        pick(option.value);
      });
      return button;
    });
    field.appendChild(el("div", { className: "oj-aq-options" }, buttons));
    return field;
  }
  const low = definition.min ?? 0;
  const high = definition.max ?? 1;
  const step = high - low > 10 ? "1" : String((high - low) / 100);
  const slider = el("input", {
    attrs: { type: "range", min: String(low), max: String(high), step, "aria-label": definition.name },
  }) as HTMLInputElement;
  const box = el("input", {
    className: "oj-aq-number",
    attrs: { type: "number", min: String(low), max: String(high), step, "aria-label": `${definition.name} value` },
  }) as HTMLInputElement;
  slider.value = box.value = current === undefined ? "" : String(current);
  const set = (raw: string, other: HTMLInputElement) => {
    const value = Number(raw);
    if (raw === "" || Number.isNaN(value) || value < low || value > high) return;
    other.value = raw;
    pick(value);
  };
  slider.addEventListener("input", () => set(slider.value, box));
  box.addEventListener("input", () => set(box.value, slider));
  field.appendChild(
    el("div", { className: "oj-aq-range" }, [
      el("span", { className: "oj-aq-bound", text: formatScore(low) }),
      slider,
      el("span", { className: "oj-aq-bound", text: formatScore(high) }),
      box,
    ]),
  );
  return field;
}
