/** Timeline bars: where a span sits inside its trace. */
import { el } from "./dom";

export interface Bar {
  /** Offset of the bar's start, in percent of the trace's span of time. */
  left: number;
  /** Width in percent (at least a sliver, so instant spans stay visible). */
  width: number;
  running: boolean;
}

export const MIN_WIDTH = 0.5;

/**
 * The bar of an item starting ``startMs`` after the trace start and lasting ``durationMs``
 * (null while running: it then reaches ``totalMs``) on a timeline of ``totalMs``.
 */
export function barGeometry(startMs: number, durationMs: number | null, totalMs: number): Bar {
  const total = totalMs > 0 ? totalMs : 1;
  const running = durationMs === null;
  const start = clamp(startMs, 0, total);
  const end = running ? total : clamp(startMs + (durationMs ?? 0), start, total);
  const left = (start / total) * 100;
  const width = Math.max(((end - start) / total) * 100, MIN_WIDTH);
  return {
    left: Math.min(left, 100 - MIN_WIDTH),
    width: Math.min(width, 100 - Math.min(left, 100 - MIN_WIDTH)),
    running,
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

export function render(container: HTMLElement, bar: Bar, kind: string, title: string): void {
  const fill = el("div", {
    className: `oj-bar oj-type-${safeClass(kind)}${bar.running ? " oj-running" : ""}`,
    title,
  });
  fill.style.left = `${bar.left}%`;
  fill.style.width = `${bar.width}%`;
  container.appendChild(fill);
}

/** A span type as a CSS class suffix (types are free text on the wire). */
export function safeClass(kind: string): string {
  return /^[a-z_]+$/.test(kind) ? kind : "general";
}
