import { byId } from './dom.js';
import { trapTab } from './shortcuts.js';

type DrawerName = 'sidebar' | 'members';

/** Narrower than this, the rooms and the member list become drawers (as in styles.css). */
const PHONE = '(max-width: 860px)';

/**
 * On a phone, the rooms (left) and the member list (right) slide over the
 * conversation with a backdrop. While one is open the rest of the page is inert,
 * so focus stays inside; closing (Esc, the backdrop, a choice) returns focus to
 * the button that opened it.
 */
export class Drawers {
  private readonly backdrop = byId('backdrop');
  private readonly toggles: Record<DrawerName, HTMLButtonElement> = {
    sidebar: byId<HTMLButtonElement>('toggle-sidebar'),
    members: byId<HTMLButtonElement>('toggle-members'),
  };
  private readonly panels: Record<DrawerName, HTMLElement> = {
    sidebar: byId('sidebar'),
    members: byId('members-panel'),
  };
  private openName: DrawerName | null = null;

  constructor() {
    for (const name of ['sidebar', 'members'] as const) {
      this.toggles[name].addEventListener('click', () => {
        if (this.openName === name) this.close();
        else this.open(name);
      });
    }
    this.backdrop.addEventListener('click', () => this.close());
    for (const panel of Object.values(this.panels)) {
      panel.addEventListener('keydown', (event) => {
        if (this.openName && panel === this.panels[this.openName]) trapTab(panel, event);
      });
    }
    matchMedia(PHONE).addEventListener('change', () => this.close(false));
  }

  get isOpen(): boolean {
    return this.openName !== null;
  }

  /** Opens a drawer (phone only); `focus`: the element to focus in it, else its first control. */
  open(name: DrawerName, focus?: HTMLElement): void {
    if (!matchMedia(PHONE).matches) {
      focus?.focus();
      return;
    }
    this.close(false);
    this.openName = name;
    this.panels[name].classList.add('open');
    this.toggles[name].setAttribute('aria-expanded', 'true');
    this.backdrop.hidden = false;
    for (const other of this.outside(name)) other.inert = true;
    (focus ?? this.panels[name].querySelector<HTMLElement>('input, button'))?.focus();
  }

  /** Closes the open drawer; `returnFocus`: back to the button that opened it. */
  close(returnFocus = true): void {
    const name = this.openName;
    if (!name) return;
    this.openName = null;
    this.panels[name].classList.remove('open');
    this.toggles[name].setAttribute('aria-expanded', 'false');
    this.backdrop.hidden = true;
    for (const other of this.outside(name)) other.inert = false;
    if (returnFocus) this.toggles[name].focus();
  }

  /** What an open drawer makes inert: the page's other regions. */
  private outside(name: DrawerName): HTMLElement[] {
    const regions = [
      byId('topbar'),
      byId('conversation'),
      byId('banner'),
      this.panels.sidebar,
      this.panels.members,
    ];
    return regions.filter((region) => region !== this.panels[name]);
  }
}
