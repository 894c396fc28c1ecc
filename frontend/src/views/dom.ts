/**
 * The only way the views create DOM: elements with text set through textContent.
 * Trace content is untrusted, so nothing here (or anywhere in the views) uses innerHTML.
 */

export interface Props {
  className?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
  onClick?: (event: Event) => void;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  children: (Node | null | undefined | false)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  for (const [key, value] of Object.entries(props.attrs ?? {})) node.setAttribute(key, value);
  if (props.onClick) node.addEventListener("click", props.onClick);
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** Remove every child of ``node``. */
export function clear(node: Element): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}
