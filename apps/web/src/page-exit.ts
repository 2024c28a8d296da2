import type { RingchatClient } from '@app/chat-client';

/**
 * A closing tab says goodbye, so its user leaves every room at once. A polling
 * session is otherwise noticed gone only if its pending poll's abort reaches the
 * owner, or at the ping timeout (pingInterval + pingTimeout: 45 s by default).
 * A beacon survives the page's unload where an ordinary request may be
 * cancelled; it carries engine.io's close packet (`1`), which any node routes
 * to the session's owner. A WebSocket is closed by the browser itself.
 */
export function closeOnPageHide(client: RingchatClient): void {
  addEventListener('pagehide', (event) => {
    // Kept in the back/forward cache: the page may come back and carry on.
    if (event.persisted) return;
    const engine = client.socket.io.engine as { id?: string; transport?: { name?: string } } | undefined;
    if (engine?.id && engine.transport?.name === 'polling') {
      navigator.sendBeacon(`/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(engine.id)}`, '1');
    }
    client.close();
  });
}
