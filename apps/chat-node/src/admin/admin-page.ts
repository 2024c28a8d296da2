import type { ClusterSummary, NodeSummary } from './cluster-stats.js';

/** Text as HTML text: whatever a room or node name holds is shown, never run. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page's one stylesheet, served from /admin/admin.css: the CSP forbids inline styles. */
export const ADMIN_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p.meta { color: #5a6270; margin: 0 0 1rem; }
table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; }
th, td { padding: .35rem .75rem; text-align: left; border-bottom: 1px solid #e3e6ea; }
th { background: #eef1f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.totals { display: flex; gap: 1rem; flex-wrap: wrap; }
.totals div { background: #fff; padding: .6rem 1rem; box-shadow: 0 1px 2px #0002; min-width: 9rem; }
.totals strong { display: block; font-size: 1.3rem; }
.bad { color: #a4161a; font-weight: 600; }
.expired { color: #a4161a; }
form { background: #fff; padding: 1rem; max-width: 28rem; box-shadow: 0 1px 2px #0002; }
input[type=password] { width: 100%; padding: .4rem; margin: .5rem 0; box-sizing: border-box; }
button { padding: .4rem .9rem; }
form.sign-out { background: none; box-shadow: none; padding: 0; margin-top: 1.5rem; }
.error { color: #a4161a; }
`;

function page(title: string, body: string, refreshSeconds?: number): string {
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/admin/admin.css"></head>
<body>${body}</body></html>`;
}

function table(headers: string[], rows: string[][], numeric: Set<number> = new Set()): string {
  const cell = (tag: string, i: number, html: string): string =>
    `<${tag}${numeric.has(i) ? ' class="num"' : ''}>${html}</${tag}>`;
  const head = headers.map((header, i) => cell('th', i, escapeHtml(header))).join('');
  const body = rows.map((row) => `<tr>${row.map((html, i) => cell('td', i, html)).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

function nodeStatus(node: NodeSummary): string {
  if (!node.reported) return '<span class="bad">no stats reported</span>';
  const age = `${((node.ageMs ?? 0) / 1000).toFixed(1)} s ago`;
  return node.leaving ? `leaving (${age})` : `up (${age})`;
}

/** The admin view: server-rendered, no script, refreshed by the browser every few seconds. */
export function renderAdminPage(summary: ClusterSummary, answeredBy: string, refreshSeconds = 5): string {
  const nodes = table(
    [
      'Node',
      'URL',
      'Ring share',
      'Polling',
      'WebSocket',
      'Sessions',
      'Messages/s',
      'Deliveries/s',
      'Loop lag p99',
      'Status',
    ],
    summary.nodes.map((node) => [
      escapeHtml(node.id),
      escapeHtml(node.url),
      percent(node.ringShare),
      escapeHtml(node.sessionsByTransport.polling ?? 0),
      escapeHtml(node.sessionsByTransport.websocket ?? 0),
      escapeHtml(node.sessions),
      escapeHtml(node.messagesPerSec),
      escapeHtml(node.deliveriesPerSec),
      node.eventLoopLag ? `${escapeHtml(node.eventLoopLag.p99Ms)} ms` : '–',
      nodeStatus(node),
    ]),
    new Set([2, 3, 4, 5, 6, 7, 8]),
  );
  const rooms =
    summary.rooms.length === 0
      ? '<p>No messages in the last minute.</p>'
      : table(
          ['Room', 'Messages (last minute)', 'Deliveries (last minute)'],
          summary.rooms.map((room) => [
            escapeHtml(room.room),
            escapeHtml(room.messages),
            escapeHtml(room.deliveries),
          ]),
          new Set([1, 2]),
        );
  const events =
    summary.events.length === 0
      ? '<p>None since this node started.</p>'
      : table(
          ['Time (UTC)', 'Node', 'Event', 'Ring epoch'],
          summary.events.map((event) => [
            escapeHtml(event.at.replace('T', ' ').replace('Z', '')),
            escapeHtml(event.node),
            event.kind === 'expired' ? '<span class="expired">expired</span>' : escapeHtml(event.kind),
            escapeHtml(event.epoch),
          ]),
          new Set([3]),
        );
  const totals = [
    ['Nodes', summary.nodes.length],
    ['Sessions', summary.sessions],
    ['Polling', summary.sessionsByTransport.polling ?? 0],
    ['WebSocket', summary.sessionsByTransport.websocket ?? 0],
    ['Messages/s', summary.messagesPerSec],
    ['Deliveries/s', summary.deliveriesPerSec],
  ]
    .map(([label, value]) => `<div>${escapeHtml(label)}<strong>${escapeHtml(value)}</strong></div>`)
    .join('');
  const body = `<h1>ringchat cluster</h1>
<p class="meta">Ring epoch ${escapeHtml(summary.epoch)} · answered by ${escapeHtml(answeredBy)} at ${escapeHtml(new Date().toISOString())} · refreshes every ${refreshSeconds} s · <a href="/admin/api">JSON</a></p>
${summary.partial ? '<p class="error" role="alert">Redis could not be read: only this node reports.</p>' : ''}
<section class="totals">${totals}</section>
<h2>Nodes</h2>${nodes}
<h2>Rooms by activity</h2>${rooms}
<h2>Recent membership events</h2>${events}
<form class="sign-out" method="post" action="/admin/logout"><button type="submit">Sign out</button></form>`;
  return page('ringchat admin', body, refreshSeconds);
}

/** The sign-in form, with why the last try failed. */
export function renderSignIn(problem?: string): string {
  const error = problem ? `<p class="error" role="alert">${escapeHtml(problem)}</p>` : '';
  const body = `<h1>ringchat admin</h1>
<form method="post" action="/admin/login">
<label for="token">Admin token (ADMIN_TOKEN, or a token with the admin claim)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
${error}<button type="submit">Sign in</button>
</form>`;
  return page('ringchat admin: sign in', body);
}
