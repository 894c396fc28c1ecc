/** The one copy button of the views: puts a value on the clipboard and says whether it could. */
import { el } from "./dom";

export interface CopyButtonOptions {
  /** What the button says before it is pressed. */
  text: string;
  /** The accessible name, e.g. "copy the span id". */
  label: string;
  className?: string;
}

export function copyButton(value: string, options: CopyButtonOptions): HTMLButtonElement {
  const button = el("button", {
    className: options.className ?? "oj-button oj-copy",
    text: options.text,
    title: options.label,
    attrs: { type: "button", "aria-label": options.label },
  });
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    void copyText(value).then((done) => {
      button.textContent = done ? "Copied" : "Select the id to copy it";
    });
  });
  return button;
}

/** Put ``text`` on the clipboard; false when the page may not (no secure context, denied). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
