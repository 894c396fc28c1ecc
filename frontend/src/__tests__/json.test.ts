import { describe, expect, it } from "vitest";
import { render } from "../views/json";
import { XSS } from "./fixtures";

describe("json viewer", () => {
  it("renders nested values with keys, collapsing deep containers", () => {
    const host = document.createElement("div");
    render(host, { a: 1, b: { c: { d: { e: "deep" } } } }, { openDepth: 2 });
    expect(host.textContent).toContain("a: 1");
    const containers = host.querySelectorAll("details");
    expect(containers[0].open).toBe(true);
    const deepest = containers[containers.length - 1];
    expect(deepest.open).toBe(false);
    expect(deepest.textContent).not.toContain("d:"); // built only when opened
    deepest.open = true;
    deepest.dispatchEvent(new Event("toggle"));
    expect(deepest.textContent).toContain("d: { 1 key }");
  });

  it("cuts long strings and expands them on demand", () => {
    const host = document.createElement("div");
    render(host, "x".repeat(1000), { maxChars: 10 });
    expect(host.querySelector(".oj-json-string")!.textContent).toBe("x".repeat(10) + "…");
    const more = host.querySelector("button")!;
    expect(more.textContent).toContain("1,000 chars");
    more.click();
    expect(host.querySelector(".oj-json-string")!.textContent).toBe("x".repeat(1000));
    more.click();
    expect(host.querySelector(".oj-json-string")!.textContent!.length).toBe(11);
  });

  it("shows markup in values and keys as text", () => {
    const host = document.createElement("div");
    render(host, { [XSS]: XSS });
    expect(host.querySelector("img")).toBeNull();
    expect(host.textContent).toContain(`${XSS}: ${XSS}`);
  });
});
