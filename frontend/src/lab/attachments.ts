/** The panel's trace tab reads each node's files through the proxy and shows them as blob URLs. */
import type { AttachmentView, TraceData, TreeNode } from "../views/types";

/** GET ``<base_url>/opik/<path>`` and resolve to the body's bytes. */
export type FetchBlob = (path: string) => Promise<Blob>;
/** GET ``<base_url>/opik/<path>`` and resolve to the parsed JSON body. */
export type FetchJson = <T>(path: string) => Promise<T>;

interface Listed {
  entity_id: string;
  file_name: string;
  mime_type: string;
  file_size: number;
}

const IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"]);
const MAX_INLINE = 2 * 1024 * 1024;
const LIST = "api/v1/private/attachment";

export function kindOf(mime: string): AttachmentView["kind"] {
  const type = mime.split(";")[0].trim().toLowerCase();
  if (IMAGES.has(type)) return "image";
  if (type.startsWith("audio/")) return "audio";
  return "file";
}

async function listed(fetchJson: FetchJson, projectId: string, type: string, ids: string[]): Promise<Listed[]> {
  if (ids.length === 0) return [];
  const query = new URLSearchParams({ project_id: projectId, entity_type: type, size: "10000" });
  for (const id of ids) query.append("entity_id", id);
  return (await fetchJson<{ content: Listed[] }>(`${LIST}/list?${query}`)).content;
}

async function view(fetchBlob: FetchBlob, projectId: string, type: string, item: Listed): Promise<AttachmentView> {
  const kind = kindOf(item.mime_type);
  const query = new URLSearchParams({
    container_id: projectId,
    entity_type: type,
    entity_id: item.entity_id,
    file_name: item.file_name,
  });
  let src: string | null = null;
  if (item.file_size <= MAX_INLINE) {
    const bytes = await fetchBlob(`${LIST}/download?${query}`);
    // only raster images and audio keep their type; anything else is bytes to save
    src = URL.createObjectURL(
      new Blob([bytes], { type: kind === "file" ? "application/octet-stream" : item.mime_type }),
    );
  }
  return { file_name: item.file_name, mime_type: item.mime_type, size: item.file_size, kind, src };
}

/** Fill in ``attachments`` of the trace and spans of ``data`` (in place). */
export async function addAttachments(
  data: TraceData,
  projectId: string,
  fetchJson: FetchJson,
  fetchBlob: FetchBlob,
): Promise<void> {
  const nodes = new Map<string, TreeNode>([[data.trace.id, data.trace], ...data.spans.map((s) => [s.id, s] as const)]);
  const groups = [
    ["trace", [data.trace.id]],
    ["span", data.spans.map((span) => span.id)],
  ] as const;
  for (const [type, ids] of groups) {
    for (const item of await listed(fetchJson, projectId, type, [...ids])) {
      const node = nodes.get(item.entity_id);
      if (!node) continue;
      node.attachments = [...(node.attachments ?? []), await view(fetchBlob, projectId, type, item)];
    }
  }
}
