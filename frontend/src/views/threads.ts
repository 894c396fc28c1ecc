/**
 * Conversations (threads) of a project: the list of threads on the left (turns, last
 * activity, cost, status, scores), the selected one on the right as a chat, each turn with
 * its scores, then the thread's own scores and comments.
 */
import { renderConversation } from "./chat";
import { conversation, type Message } from "./conversation";
import { clear, el } from "./dom";
import { formatCost, formatDuration, formatScore, formatTime, formatTokens, truncate } from "./format";
import type { Json } from "./types";

export interface ThreadScore {
  name: string;
  value: number;
  reason?: string | null;
}

export interface ThreadComment {
  id: string;
  text: string;
  created_at?: string | null;
  created_by?: string | null;
}

export interface ThreadSummary {
  id: string;
  thread_model_id?: string;
  number_of_messages: number;
  first_message?: Json;
  last_message?: Json;
  start_time?: string | null;
  last_updated_at?: string | null;
  duration?: number | null;
  total_estimated_cost?: number | null;
  usage?: Record<string, number>;
  status?: string;
  tags?: string[];
  feedback_scores?: ThreadScore[];
  comments?: ThreadComment[];
}

export interface ThreadTurn {
  id: string;
  name?: string;
  start_time?: string | null;
  duration?: number | null;
  input?: Json;
  output?: Json;
  total_estimated_cost?: number | null;
  feedback_scores?: ThreadScore[];
}

export interface ThreadsData {
  project: string;
  threads: ThreadSummary[];
  selected?: string | null;
  turns?: ThreadTurn[];
  error?: string | null;
}

const PREVIEW_CHARS = 90;
const TEXT_KEYS = [
  "input",
  "question",
  "query",
  "message",
  "prompt",
  "output",
  "answer",
  "response",
  "content",
  "text",
];

/** The readable text of a turn's input or output: a known key, a lone value, or JSON. */
export function textOf(value: Json | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object" && !Array.isArray(value)) {
    for (const key of TEXT_KEYS) if (typeof value[key] === "string") return value[key] as string;
    const values = Object.values(value);
    if (values.length === 1) return textOf(values[0]);
  }
  return JSON.stringify(value);
}

/** A turn as chat messages: its own conversation when it holds one, else user then assistant. */
export function turnMessages(turn: ThreadTurn): Message[] {
  const chat = conversation(turn.input, turn.output);
  if (chat) return chat;
  const said = (role: string, text: string): Message => ({ role, text, tool_calls: [], tool_call_id: null, parts: [] });
  const messages = [said("user", textOf(turn.input))];
  if (turn.output !== undefined && turn.output !== null) messages.push(said("assistant", textOf(turn.output)));
  return messages;
}

function scorePills(scores: ThreadScore[] | undefined): HTMLElement | null {
  if (!scores || scores.length === 0) return null;
  return el(
    "span",
    { className: "oj-scores" },
    scores.map((s) =>
      el("span", {
        className: "oj-score",
        text: `${s.name} ${formatScore(s.value)}`,
        attrs: s.reason ? { title: s.reason } : {},
      }),
    ),
  );
}

function threadRow(thread: ThreadSummary, selected: boolean, onSelect: (id: string) => void): HTMLElement {
  const preview = truncate(textOf(thread.first_message), PREVIEW_CHARS).text;
  const row = el(
    "button",
    {
      className: `oj-thread-row${selected ? " oj-selected" : ""}`,
      attrs: { type: "button", "data-thread": thread.id, "aria-pressed": String(selected) },
    },
    [
      el("div", { className: "oj-thread-row-head" }, [
        el("span", { className: "oj-thread-id", text: thread.id }),
        el("span", { className: `oj-thread-status oj-thread-${thread.status ?? "active"}`, text: thread.status ?? "" }),
      ]),
      el("div", { className: "oj-thread-preview", text: preview || "(no input)" }),
      el("div", { className: "oj-thread-facts" }, [
        el("span", { text: `${thread.number_of_messages} turn${thread.number_of_messages === 1 ? "" : "s"}` }),
        el("span", { text: formatTime(thread.last_updated_at) }),
        el("span", { text: formatDuration(thread.duration) }),
        thread.total_estimated_cost ? el("span", { text: formatCost(thread.total_estimated_cost) }) : null,
      ]),
      scorePills(thread.feedback_scores),
    ],
  );
  row.addEventListener("click", () => onSelect(thread.id));
  return row;
}

function turnNode(turn: ThreadTurn, index: number): HTMLElement {
  return el("div", { className: "oj-thread-turn", attrs: { "data-trace": turn.id } }, [
    el("div", { className: "oj-thread-turn-head" }, [
      el("span", { className: "oj-thread-turn-n", text: `turn ${index + 1}` }),
      el("span", {
        className: "oj-thread-facts",
        text: [turn.start_time ? formatTime(turn.start_time) : "", turn.duration ? formatDuration(turn.duration) : ""]
          .filter(Boolean)
          .join(" · "),
      }),
      turn.total_estimated_cost
        ? el("span", { className: "oj-thread-facts", text: formatCost(turn.total_estimated_cost) })
        : null,
      scorePills(turn.feedback_scores),
    ]),
    renderConversation(turnMessages(turn)),
  ]);
}

function commentNode(comment: ThreadComment): HTMLElement {
  const who = [comment.created_by, formatTime(comment.created_at)].filter(Boolean).join(" · ");
  return el("div", { className: "oj-thread-comment" }, [
    el("div", { className: "oj-thread-comment-text", text: comment.text }),
    who ? el("div", { className: "oj-thread-facts", text: who }) : null,
  ]);
}

function detail(thread: ThreadSummary, turns: ThreadTurn[] | undefined): HTMLElement {
  const tokens = thread.usage?.total_tokens;
  const facts = [
    `${thread.number_of_messages} turns`,
    formatDuration(thread.duration),
    thread.total_estimated_cost ? formatCost(thread.total_estimated_cost) : null,
    tokens ? `${formatTokens(tokens)} tokens` : null,
    thread.status ?? null,
  ].filter(Boolean);
  const comments = thread.comments ?? [];
  return el("div", { className: "oj-thread-detail", attrs: { "data-thread": thread.id } }, [
    el("div", { className: "oj-thread-title" }, [
      el("span", { className: "oj-thread-id", text: thread.id }),
      el("span", { className: "oj-thread-facts", text: facts.join(" · ") }),
      ...(thread.tags ?? []).map((tag) => el("span", { className: "oj-tag", text: tag })),
    ]),
    el("div", { className: "oj-thread-section" }, [
      el("div", { className: "oj-thread-label", text: "Thread scores" }),
      scorePills(thread.feedback_scores) ?? el("span", { className: "oj-thread-facts", text: "none yet" }),
    ]),
    el(
      "div",
      { className: "oj-thread-turns" },
      turns ? turns.map(turnNode) : [el("div", { className: "oj-thread-facts", text: "loading turns…" })],
    ),
    el("div", { className: "oj-thread-section oj-thread-comments" }, [
      el("div", { className: "oj-thread-label", text: `Comments (${comments.length})` }),
      ...(comments.length
        ? comments.map(commentNode)
        : [el("span", { className: "oj-thread-facts", text: "none yet" })]),
    ]),
  ]);
}

/** Draw one thread (its turns as a chat, scores, comments) into ``root``: a panel tab. */
export function renderThread(root: HTMLElement, thread: ThreadSummary, turns: ThreadTurn[]): void {
  clear(root);
  root.appendChild(el("div", { className: "oj-threads" }, [detail(thread, turns)]));
}

/** Draw the threads view into ``root``; clicking a thread calls ``onSelect`` with its id. */
export function renderThreads(root: HTMLElement, data: ThreadsData, onSelect: (id: string) => void): void {
  clear(root);
  const selected = data.threads.find((t) => t.id === data.selected) ?? null;
  const list = el(
    "div",
    { className: "oj-thread-list", attrs: { role: "list", "aria-label": "threads" } },
    data.threads.map((t) => threadRow(t, t.id === selected?.id, onSelect)),
  );
  const empty = el("div", { className: "oj-thread-facts oj-thread-empty", text: "Pick a conversation on the left." });
  root.appendChild(
    el("div", { className: "oj-threads" }, [
      el("div", { className: "oj-threads-head" }, [
        el("span", { className: "oj-thread-label", text: `Threads · ${data.project}` }),
        el("span", { className: "oj-thread-facts", text: `${data.threads.length} conversations` }),
      ]),
      data.error ? el("div", { className: "oj-error-text", text: data.error }) : null,
      data.threads.length === 0
        ? el("div", { className: "oj-thread-facts oj-thread-empty", text: "No threads yet: trace with a thread_id." })
        : el("div", { className: "oj-threads-body" }, [list, selected ? detail(selected, data.turns) : empty]),
    ]),
  );
}
