/** anywidget entry point of Threads: a project's conversations; picking one loads its turns. */
import { renderThreads, type ThreadsData } from "../views/threads";
import type { RenderProps } from "./anywidget_types";

function render({ model, el }: RenderProps): () => void {
  el.classList.add("oj-root");
  const select = (id: string) => {
    model.set("selected", id);
    model.save_changes();
  };
  const draw = () => {
    const data = model.get("data") as ThreadsData | null;
    if (!data || !data.threads) return;
    renderThreads(el, { ...data, selected: model.get("selected") as string, turns: model.get("turns") }, select);
  };
  for (const name of ["data", "selected", "turns"]) model.on(`change:${name}`, draw);
  draw();
  return () => {
    for (const name of ["data", "selected", "turns"]) model.off(`change:${name}`, draw);
  };
}

export default { render };
