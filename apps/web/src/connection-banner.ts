import type { ConnectionStatus } from '@app/chat-client';
import { byId } from './dom.js';

/**
 * A banner across the page while the chat is not connected, saying what waits
 * to be sent; the cluster panel is marked stale meanwhile (its data is from before).
 */
export class ConnectionBanner {
  private readonly banner = byId('banner');
  private readonly cluster = byId('cluster');

  show(status: ConnectionStatus, browserOnline: boolean, waiting: number): void {
    const connected = status === 'connected';
    this.banner.hidden = connected && browserOnline;
    this.cluster.dataset.stale = String(!connected);
    byId('cluster-stale').hidden = connected;
    if (connected && browserOnline) return;
    const offline = !browserOnline || status === 'offline';
    this.banner.dataset.state = offline ? 'offline' : 'reconnecting';
    const what = offline ? 'You are offline.' : 'Connection lost: reconnecting…';
    const pending =
      waiting === 0 ? '' : ` ${waiting} ${waiting === 1 ? 'message' : 'messages'} waiting to send.`;
    this.banner.textContent = what + pending;
  }
}
