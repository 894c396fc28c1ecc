/** Number and time formatting shared by the views. */

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const MAX_COST_DECIMALS = 10;

/**
 * A cost in dollars: two significant digits under a cent ("$0.000027"), up to four decimals
 * under a dollar ("$0.0123"), cents above ("$1,234.50"); "" for none. Python writes costs by
 * the same rules (opik_jupyter/widgets/_format.py, pinned by tests/fixtures/cost_format.json).
 */
export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined || !Number.isFinite(cost)) return "";
  if (cost === 0) return "$0";
  const sign = cost < 0 ? "-" : "";
  const size = Math.abs(cost);
  if (size >= 1) {
    const [whole, cents] = size.toFixed(2).split(".");
    return `${sign}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
  }
  const decimals = size >= 0.01 ? 4 : Math.min(MAX_COST_DECIMALS, 1 - Math.floor(Math.log10(size)));
  const [whole, fraction] = size.toFixed(decimals).replace(/0+$/, "").split(".");
  return `${sign}$${whole}.${(fraction ?? "").padEnd(2, "0")}`;
}

export function formatTokens(tokens: number | null | undefined): string {
  if (tokens === null || tokens === undefined || !Number.isFinite(tokens)) return "";
  if (tokens < 10_000) return `${tokens}`;
  return `${(tokens / 1000).toFixed(tokens < 100_000 ? 1 : 0)}k`;
}

export function formatScore(value: number): string {
  return Number.isInteger(value) ? `${value}` : value.toFixed(2);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => `${n}`.padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** ``text`` cut to ``limit`` characters; ``cut`` tells whether anything was left out. */
export function truncate(text: string, limit: number): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  return { text: text.slice(0, limit), cut: true };
}
