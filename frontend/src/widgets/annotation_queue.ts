/** anywidget entry point of AnnotationQueue: the reviewing form; Save and the arrows ask
 * the kernel (which stores the scores and reads progress back). */
import { renderAnnotation, type AnnotationState } from "../views/annotation";
import type { RenderProps } from "./anywidget_types";

const TRAITS = ["queue", "definitions", "items", "index", "item", "error"];

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const draw = () => {
    const state = Object.fromEntries(TRAITS.map((name) => [name, model.get(name)])) as unknown as AnnotationState;
    if (!state.queue || !state.queue.id) return;
    renderAnnotation(el, state, {
      save: (scores, comment) => model.send({ type: "save", scores, comment }),
      show: (index) => model.send({ type: "show", index }),
    });
  };
  const events = [...TRAITS.map((name) => `change:${name}`), "msg:custom"]; // "handled": a Save ended
  for (const event of events) model.on(event, draw);
  draw();
  return () => {
    for (const event of events) model.off(event, draw);
  };
}

export default { render };
