/** The part of the anywidget model interface the entry points use. */
export interface WidgetModel {
  // a traitlet can hold any JSON: each entry point names the type of what it reads
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
  send(message: unknown): void;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

export interface RenderProps {
  model: WidgetModel;
  el: HTMLElement;
}
