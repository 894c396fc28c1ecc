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
  for (const name of TRAITS) model.on(`change:${name}`, draw);
  draw();
  return () => {
    for (const name of TRAITS) model.off(`change:${name}`, draw);
  };
}

export default { render };
