import { describe, expect, it, vi } from "vitest";
import { addAttachments, kindOf } from "../lab/attachments";
import { render } from "../views/attachments";
import type { AttachmentView } from "../views/types";
import { tableData } from "./experiment_fixtures";
import { traceData, span } from "./fixtures";

const PNG = "data:image/png;base64,iVBORw0KGgo=";
const file = (over: Partial<AttachmentView>): AttachmentView => ({
  file_name: "f",
  mime_type: "image/png",
  size: 10,
  kind: "image",
  src: PNG,
  ...over,
});

describe("attachments view", () => {
  it("shows raster images as thumbnails that enlarge on click", () => {
    const section = render([file({ file_name: "cat.png" })])!;
    const img = section.querySelector("img")!;
    expect(img.getAttribute("src")).toBe(PNG);
    expect(img.alt).toBe("cat.png");
    img.click();
    expect(section.querySelector(".oj-attachment-enlarged")).not.toBeNull();
    img.click();
    expect(section.querySelector(".oj-attachment-enlarged")).toBeNull();
  });

  it("plays audio and offers other files as downloads", () => {
    const section = render([
      file({ file_name: "a.wav", mime_type: "audio/wav", kind: "audio", src: "data:audio/wav;base64,UklGRg==" }),
      file({
        file_name: "r.pdf",
        mime_type: "application/pdf",
        kind: "file",
        src: "data:application/octet-stream;base64,JVBE",
      }),
    ])!;
    expect(section.querySelector("audio")!.getAttribute("src")).toContain("data:audio/wav");
    const link = section.querySelector("a")!;
    expect(link.getAttribute("download")).toBe("r.pdf");
    expect(section.querySelector("summary")!.textContent).toBe("Attachments (2)");
  });

  it("never renders SVG or HTML, whatever kind or source it claims", () => {
    const svg = "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+";
    const section = render([
      file({ file_name: "x.svg", mime_type: "image/svg+xml", kind: "image", src: svg }),
      file({ file_name: "x.html", mime_type: "text/html", kind: "file", src: "data:text/html;base64,PHNjcmlwdD4=" }),
    ])!;
    expect(section.querySelector("img")).toBeNull();
    expect(section.querySelector("a")).toBeNull();
    expect(section.textContent).toContain("x.svg");
  });

  it("renders nothing without files", () => {
    expect(render(undefined)).toBeNull();
    expect(render([])).toBeNull();
  });
});

describe("panel attachments", () => {
  it("lists the trace's and spans' files and reads each one", async () => {
    const data = traceData([span("s1", null, 0, 1)]);
    const paths: string[] = [];
    const fetchJson = vi.fn(async (path: string) => {
      paths.push(path);
      const type = new URLSearchParams(path.split("?")[1]).get("entity_type");
      const id = type === "trace" ? data.trace.id : "s1";
      return { content: [{ entity_id: id, file_name: `${type}.png`, mime_type: "image/png", file_size: 4 }] };
    }) as unknown as <T>(path: string) => Promise<T>;
    const fetchBlob = vi.fn(async () => new Blob([new Uint8Array([1, 2, 3, 4])]));
    globalThis.URL.createObjectURL = vi.fn(() => "blob:x");
    await addAttachments(data, "p1", fetchJson, fetchBlob);
    expect(data.trace.attachments?.[0]).toMatchObject({ file_name: "trace.png", kind: "image", src: "blob:x" });
    expect(data.spans[0].attachments?.[0].file_name).toBe("span.png");
    expect(paths[1]).toContain("entity_id=s1");
    expect(kindOf("text/html")).toBe("file");
    expect(kindOf("image/svg+xml")).toBe("file");
  });
});

describe("experiment table items", () => {
  it("show a raster image a field holds, never an SVG", async () => {
    const { render: renderTable } = await import("../views/comparison_table");
    const host = document.createElement("div");
    const data = tableData();
    data.rows[0].fields = [
      { name: "photo", text: "data:image/png…", image: PNG },
      { name: "chart", text: "svg", image: "data:image/svg+xml;base64,PHN2Zz4=" },
    ];
    renderTable(host, data, { baseline: data.experiments[0].id, threshold: 0 });
    const images = host.querySelectorAll("img.oj-attachment-thumb");
    expect(images).toHaveLength(1);
    expect(images[0].getAttribute("src")).toBe(PNG);
    expect(host.textContent).toContain("chart: svg");
  });
});
