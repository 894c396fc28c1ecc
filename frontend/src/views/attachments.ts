/**
 * A trace's or span's files in its details: raster images as thumbnails (click to enlarge),
 * audio with a player, anything else as a download link. Only ``data:`` URLs built by the
 * Python side (or blob URLs) are used, and only raster image and audio types are shown in
 * place: an SVG or HTML file is never rendered, only offered as a download.
 */
import { el } from "./dom";
import type { AttachmentView } from "./types";

const IMAGE = /^data:image\/(png|jpeg|gif|webp|bmp);base64,|^blob:/;
const AUDIO = /^data:audio\/[\w.+-]+;base64,|^blob:/;

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function image(file: AttachmentView, src: string): HTMLElement {
  const img = el("img", {
    className: "oj-attachment-thumb",
    title: `${file.file_name} (click to enlarge)`,
    attrs: { src, alt: file.file_name, loading: "lazy" },
  });
  const figure = el("figure", { className: "oj-attachment oj-attachment-image" }, [
    img,
    el("figcaption", { text: `${file.file_name} · ${sizeText(file.size)}` }),
  ]);
  img.addEventListener("click", () => figure.classList.toggle("oj-attachment-enlarged"));
  return figure;
}

function audio(file: AttachmentView, src: string): HTMLElement {
  return el("div", { className: "oj-attachment oj-attachment-audio" }, [
    el("audio", { attrs: { controls: "", preload: "metadata", src, "aria-label": file.file_name } }),
    el("span", { text: `${file.file_name} · ${sizeText(file.size)}` }),
  ]);
}

function download(file: AttachmentView): HTMLElement {
  const label = `${file.file_name} (${file.mime_type}, ${sizeText(file.size)})`;
  const src = file.src ?? "";
  const safe = src.startsWith("data:application/octet-stream;base64,") || src.startsWith("blob:") ? src : null;
  if (!safe) return el("div", { className: "oj-attachment oj-attachment-file", text: `${label}: too large to embed` });
  return el("div", { className: "oj-attachment oj-attachment-file" }, [
    el("a", { text: label, attrs: { href: safe, download: file.file_name, rel: "noopener" } }),
  ]);
}

function one(file: AttachmentView): HTMLElement {
  const src = file.src ?? "";
  if (file.kind === "image" && IMAGE.test(src)) return image(file, src);
  if (file.kind === "audio" && AUDIO.test(src)) return audio(file, src);
  return download(file);
}

/** The section listing ``files``, or null when there are none. */
export function render(files: AttachmentView[] | undefined): HTMLElement | null {
  if (!files || files.length === 0) return null;
  return el("details", { className: "oj-section oj-attachments", attrs: { open: "" } }, [
    el("summary", { text: `Attachments (${files.length})` }),
    el("div", { className: "oj-attachment-list" }, files.map(one)),
  ]);
}
