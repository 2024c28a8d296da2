import { describe, expect, it } from 'vitest';
import { escapeHtml, renderAdminPage, renderSignIn } from './admin-page.js';
import type { ClusterSummary } from './cluster-stats.js';

const summary: ClusterSummary = {
  epoch: 3,
  sessions: 2,
  sessionsByTransport: { polling: 1, websocket: 1 },
  messagesPerSec: 0.5,
  deliveriesPerSec: 1,
  partial: false,
  nodes: [
    {
      id: 'node1',
      url: 'http://127.0.0.1:9001',
      ringShare: 0.5,
      reported: true,
      ageMs: 800,
      sessions: 2,
      sessionsByTransport: { polling: 1, websocket: 1 },
      messagesPerSec: 0.5,
      deliveriesPerSec: 1,
      leaving: false,
      eventLoopLag: { p99Ms: 3, maxMs: 9 },
    },
  ],
  rooms: [{ room: '<script>alert(1)</script>', messages: 4, deliveries: 8 }],
  events: [{ kind: 'expired', node: 'node2' as never, epoch: 3, at: '2026-12-03T11:00:00.000Z' }],
};

describe('the admin page', () => {
  it('shows text as text: nothing a name holds becomes markup', () => {
    const html = renderAdminPage(summary, 'node1');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(escapeHtml(`"'&`)).toBe('&#34;&#39;&#38;');
  });

  it('needs no inline script or style (the CSP allows neither)', () => {
    for (const html of [renderAdminPage(summary, 'node1'), renderSignIn('wrong token')]) {
      expect(html).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
      expect(html).toContain('<link rel="stylesheet" href="/admin/admin.css">');
    }
  });

  it('lists nodes with ring share and sessions by transport, and the expiry', () => {
    const html = renderAdminPage(summary, 'node1');
    expect(html).toContain('50.0 %');
    expect(html).toContain('<span class="expired">expired</span>');
  });
});
