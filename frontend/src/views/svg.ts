/**
 * SVG elements for the charts, made like dom.ts makes HTML: attributes set one by one and
 * text through textContent (labels come from experiment and metric names: untrusted).
 */

const NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  children: (Node | null | undefined)[] = [],
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, `${value}`);
  if (text !== undefined) node.textContent = text;
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** A tooltip: the <title> child SVG shows on hover. */
export function tip(text: string): SVGTitleElement {
  return svg("title", {}, [], text);
}

/** A linear map from ``domain`` to ``range`` (a flat domain maps to the range's middle). */
export function scale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}
