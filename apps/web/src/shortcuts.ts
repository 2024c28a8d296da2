import { byId } from './dom.js';

export interface ShortcutActions {
  /** Alt+↑ / Alt+↓: the previous or next room. */
  moveRoom: (step: -1 | 1) => void;
  /** `/`: into the room filter. */
  focusFilter: () => void;
  /** Esc: close what is open (a drawer). */
  closeOverlays: () => void;
}

/** Typing in a field: single keys like "?" and "/" are text there, not shortcuts. */
function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

/**
 * The page's keyboard shortcuts, and the `?` dialog listing them. The dialog is
 * modal (the page behind is inert, Esc closes it) and gives focus back to where
 * it was.
 */
export function setUpShortcuts(actions: ShortcutActions): void {
  const dialog = byId<HTMLDialogElement>('shortcuts');
  let returnTo: HTMLElement | null = null;
  const open = (): void => {
    if (dialog.open) return;
    returnTo = document.activeElement as HTMLElement | null;
    dialog.showModal();
  };
  dialog.addEventListener('close', () => returnTo?.focus());
  dialog.addEventListener('keydown', (event) => trapTab(dialog, event));
  byId('shortcuts-close').addEventListener('click', () => dialog.close());
  byId('shortcuts-open').addEventListener('click', open);

  document.addEventListener('keydown', (event) => {
    if (dialog.open) return;
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      actions.moveRoom(event.key === 'ArrowDown' ? 1 : -1);
    } else if (event.key === 'Escape') {
      actions.closeOverlays();
    } else if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    } else if (event.key === '?') {
      event.preventDefault();
      open();
    } else if (event.key === '/') {
      event.preventDefault();
      actions.focusFilter();
    }
  });
}

/** Tab and Shift+Tab cycle inside `container` (a browser lets them leave a modal dialog for its own toolbar). */
export function trapTab(container: HTMLElement, event: KeyboardEvent): void {
  if (event.key !== 'Tab') return;
  const focusable = [
    ...container.querySelectorAll<HTMLElement>('button, input, textarea, a[href], [tabindex="0"]'),
  ];
  const first = focusable[0];
  const last = focusable.at(-1);
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
