/** Words the panel shows, from data (free of JupyterLab, so unit-tested). */
import { formatCost } from "../views/format";
import type { BackendStatus } from "./types";

/** A cost as every view writes it, or "–" when there is none. */
export function costOrDash(cost: number | null | undefined): string {
  return cost ? formatCost(cost) || "–" : "–";
}

/** The words of the status line (tested): state, then what kind of backend. */
export function statusText(
  status: BackendStatus | null,
  error: string | null,
): { state: string; detail: string; title: string } {
  if (error) return { state: "unreachable", detail: error, title: error };
  if (!status) return { state: "connecting", detail: "", title: "" };
  const kind =
    status.mode === "remote"
      ? "remote backend"
      : status.managed
        ? "embedded, managed by Jupyter"
        : "embedded, attached";
  const state = status.healthy
    ? "connected"
    : status.answering === false
      ? "not answering"
      : status.error
        ? "down"
        : "starting";
  const pid = status.pid ? ` · pid ${status.pid}` : "";
  const title = [status.url, status.data_dir, status.error].filter(Boolean).join("\n");
  return { state, detail: status.healthy ? `${kind}${pid}` : (status.error ?? kind), title };
}

/** "12 s ago", "5 min ago", "3 h ago", or the date. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return "";
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}
