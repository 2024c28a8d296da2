import { byId } from './dom.js';

const BASE_TITLE = 'ringchat';

/**
 * What calls the reader back: the unread total in the tab title, and desktop
 * notifications for mentions and direct messages elsewhere. Permission is asked
 * only when the reader clicks "Enable notifications", never on load.
 */
export class Attention {
  private readonly button = byId<HTMLButtonElement>('enable-notifications');

  constructor() {
    this.showButton();
    this.button.addEventListener('click', () => {
      void Notification.requestPermission().then(() => this.showButton());
    });
  }

  setUnread(total: number): void {
    document.title = total > 0 ? `(${total}) ${BASE_TITLE}` : BASE_TITLE;
  }

  /** A desktop notification, if allowed; a click on it brings the tab and runs `open`. */
  notify(title: string, body: string, tag: string, open: () => void): void {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const notification = new Notification(title, { body, tag });
    notification.addEventListener('click', () => {
      window.focus();
      open();
      notification.close();
    });
  }

  private showButton(): void {
    this.button.hidden = !('Notification' in window) || Notification.permission !== 'default';
  }
}
