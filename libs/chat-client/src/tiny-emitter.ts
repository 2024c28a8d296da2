type Listener<Args extends unknown[]> = (...args: Args) => void;
type ListenerSets<Events extends { [K in keyof Events]: unknown[] }> = {
  [K in keyof Events]?: Set<Listener<Events[K]>>;
};

/** A typed event emitter small enough for the browser bundle. */
export class TinyEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners: ListenerSets<Events> = {};

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const set: Set<Listener<Events[K]>> = (this.listeners[event] ??= new Set());
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of this.listeners[event] ?? []) listener(...args);
  }
}
