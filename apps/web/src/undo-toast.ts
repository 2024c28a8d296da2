import { byId, el } from './dom.js';

/** How long an action can be undone. @default 6 s */
export const UNDO_MS = 6000;

interface Undoable {
  undo: () => void;
  /** Runs when the time is up (or another toast takes the place): the action becomes final. */
  commit: () => void;
  timer: ReturnType<typeof setTimeout>;
}

/** One toast at a time saying what just happened, with an Undo button for a few seconds. */
export class UndoToast {
  private readonly toast = byId('toast');
  private current?: Undoable;

  show(text: string, undo: () => void, commit: () => void, ms = UNDO_MS): void {
    this.finish();
    const button = el('button', { className: 'undo', attrs: { type: 'button' } }, 'Undo');
    const timer = setTimeout(() => this.finish(), ms);
    this.current = { undo, commit, timer };
    button.addEventListener('click', () => {
      const action = this.current;
      this.close();
      action?.undo();
    });
    this.toast.replaceChildren(el('span', {}, text), button);
    this.toast.hidden = false;
  }

  /** Makes the shown action final now. */
  finish(): void {
    const action = this.current;
    this.close();
    action?.commit();
  }

  private close(): void {
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
    this.toast.hidden = true;
    this.toast.replaceChildren();
  }
}
