import { describe, expect, it } from "vitest";
import { MIN_WIDTH, barGeometry, safeClass } from "../views/timeline";

describe("barGeometry", () => {
  it("places a bar by its start offset and duration", () => {
    expect(barGeometry(25, 50, 100)).toEqual({ left: 25, width: 50, running: false });
  });

  it("runs a running span to the end of the timeline", () => {
    expect(barGeometry(40, null, 200)).toEqual({ left: 20, width: 80, running: true });
  });

  it("keeps instant spans visible and clamps bars to the timeline", () => {
    expect(barGeometry(10, 0, 100).width).toBe(MIN_WIDTH);
    const late = barGeometry(150, 20, 100);
    expect(late.left + late.width).toBeLessThanOrEqual(100);
    expect(barGeometry(-5, 10, 100).left).toBe(0);
  });

  it("only lets known-safe type names into class names", () => {
    expect(safeClass("llm")).toBe("llm");
    expect(safeClass('x" onclick="')).toBe("general");
  });
});
