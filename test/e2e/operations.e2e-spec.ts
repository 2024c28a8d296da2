import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  connectChat,
  launchChromium,
  useCluster,
  waitFor,
  type ChatClient,
  type TestNode,
} from '../harness/index.js';

const ADMIN_TOKEN = 'admin-token-for-the-operations-test';
const METRICS_TOKEN = 'metrics-token-for-the-operations-test';

/** Prometheus text: the sum of a series' samples whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) total += Number(match[3]);
  }
  return total;
}

async function scrape(node: TestNode): Promise<string> {
  const response = await fetch(`${node.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** One series summed over every node. */
async function clusterSample(
  nodes: TestNode[],
  name: string,
  labels?: Record<string, string>,
): Promise<number> {
  const texts = await Promise.all(nodes.map(scrape));
  return texts.reduce((sum, text) => sum + sample(text, name, labels), 0);
}

/** The node's JSON log lines (LOG_FORMAT=json), parsed. */
function jsonLog(node: TestNode): Array<Record<string, unknown>> {
  return node.process.lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('operating the cluster: metrics, logs, admin view', () => {
  const fixture = useCluster({
    nodeEnv: {
      ADMIN_TOKEN,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      STATS_INTERVAL_MS: '250',
      PRESENCE_RECONCILE_MS: '500',
      // Short, so that the crashed node expires fast; long enough not to flap on a busy machine.
      HEARTBEAT_INTERVAL_MS: '500',
      MEMBER_TTL_MS: '2000',
    },
  });
  const clients: ChatClient[] = [];
  let nodes: TestNode[];

  beforeAll(() => {
    nodes = fixture.cluster.nodes.slice(0, 3);
  });
  afterAll(() => {
    for (const client of clients) client.close();
  });

  it('serves /metrics on each node port, not through nginx', async () => {
    const text = await scrape(nodes[0]);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/^ringchat_ring_members\{node="node1"\} 3$/m);
    expect((await fetch(`${fixture.cluster.url}/metrics`)).status).toBe(404);
  });

  it('moves the right series as traffic flows', async () => {
    const before = {
      polling: await clusterSample(nodes, 'ringchat_handshakes_total', { transport: 'polling' }),
      stored: await clusterSample(nodes, 'ringchat_messages_stored_total'),
      refusals: await clusterSample(nodes, 'ringchat_refusals_total', { code: 'not_member' }),
    };
    // Polling through nginx: most requests land on a node that is not the owner.
    const alice = await connectChat(fixture.cluster.url, 'alice', { transports: ['polling'] });
    const bob = await connectChat(fixture.cluster.url, 'bob', { transports: ['websocket'] });
    clients.push(alice, bob);
    await alice.join('ops');
    await bob.join('ops');
    for (let i = 0; i < 5; i++) await alice.request('chat message', { room: 'ops', message: `m${i}` });
    expect(await alice.request('chat message', { room: 'elsewhere', message: 'x' })).toMatchObject({
      code: 'not_member',
    });
    await alice.request('history', { room: 'ops' });

    // A session of node1 reached through node2: a relayed push and poll, then a piped upgrade.
    const handshake = await (await fetch(`${nodes[0].url}/socket.io/?EIO=4&transport=polling`)).text();
    const sid = (JSON.parse(handshake.slice(1)) as { sid: string }).sid;
    const via = `${nodes[1].url}/socket.io/?EIO=4&sid=${sid}`;
    const push = await fetch(`${via}&transport=polling`, { method: 'POST', body: '40/chat,{"user":"raw"}' });
    expect(push.status).toBe(200);
    expect(await (await fetch(`${via}&transport=polling`)).text()).toContain('40/chat,');
    const ws = new WebSocket(`${via.replace('http', 'ws')}&transport=websocket`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send('2probe'));
      ws.once('message', (data: Buffer) => {
        const text = data.toString('utf8');
        if (text === '3probe') resolve();
        else reject(new Error(`unexpected answer to the probe: ${text}`));
      });
      ws.once('error', reject);
    });
    ws.send('5');

    const node2 = await scrape(nodes[1]);
    expect(
      sample(node2, 'ringchat_forwarded_requests_total', { kind: 'push', outcome: 'forwarded' }),
    ).toBeGreaterThan(0);
    expect(
      sample(node2, 'ringchat_forwarded_requests_total', { kind: 'poll', outcome: 'forwarded' }),
    ).toBeGreaterThan(0);
    expect(sample(node2, 'ringchat_forward_duration_seconds_count', { kind: 'push' })).toBeGreaterThan(0);
    expect(sample(node2, 'ringchat_upgrades_piped_total')).toBeGreaterThan(0);

    await waitFor('deliveries of the 5 messages to both members', async () => {
      return (await clusterSample(nodes, 'ringchat_deliveries_total')) >= 10;
    });
    expect(await clusterSample(nodes, 'ringchat_handshakes_total', { transport: 'polling' })).toBeGreaterThan(
      before.polling,
    );
    expect(
      await clusterSample(nodes, 'ringchat_handshakes_total', { transport: 'websocket' }),
    ).toBeGreaterThan(0);
    expect(await clusterSample(nodes, 'ringchat_connections', { transport: 'polling' })).toBeGreaterThan(0);
    expect(await clusterSample(nodes, 'ringchat_connections', { transport: 'websocket' })).toBeGreaterThan(0);
    expect(await clusterSample(nodes, 'ringchat_messages_stored_total')).toBe(before.stored + 5);
    expect(await clusterSample(nodes, 'ringchat_ack_duration_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(await clusterSample(nodes, 'ringchat_refusals_total', { code: 'not_member' })).toBe(
      before.refusals + 1,
    );
    expect(await clusterSample(nodes, 'ringchat_history_reads_total', { kind: 'history' })).toBeGreaterThan(
      0,
    );
    expect(await clusterSample(nodes, 'ringchat_redis_command_duration_seconds_count')).toBeGreaterThan(0);
    expect(await clusterSample(nodes, 'ringchat_pins')).toBeGreaterThan(0);
    await waitFor('a presence reconciliation round', async () => {
      return (await clusterSample(nodes, 'ringchat_presence_reconciliations_total')) > 0;
    });
    ws.close();
  });

  it('logs connects with sid and user, and joins with the room, as JSON fields', () => {
    const alice = clients[0];
    const owner = fixture.cluster.node(alice.session.node);
    const lines = jsonLog(owner);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'Chat',
        sid: alice.session.sid,
        user: 'alice',
        transport: 'polling',
        address: '127.0.0.1',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        sid: alice.session.sid,
        user: 'alice',
        room: 'ops',
        kind: 'join',
      }),
    );
    // The text of the same line still says it in words.
    expect(lines.some((line) => line.message === `alice joined ops (sid ${alice.session.sid})`)).toBe(true);
  });

  it('logs a disconnect with its reason', async () => {
    const bob = clients[1];
    const { sid, node } = bob.session;
    bob.close();
    const line = await waitFor('the disconnect line', () =>
      jsonLog(fixture.cluster.node(node)).find((entry) => entry.sid === sid && entry.reason !== undefined),
    );
    expect(line).toMatchObject({ level: 'info', user: 'bob', reason: 'client namespace disconnect' });
  });

  it('refuses the admin view without the token, with a clear message', async () => {
    const api = `${fixture.cluster.url}/admin/api`;
    const missing = await fetch(api);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(await missing.json()).toMatchObject({
      code: 'admin_token_required',
      error: expect.stringContaining('ADMIN_TOKEN') as unknown,
    });
    const wrong = await fetch(api, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ code: 'admin_token_refused' });
    const page = await fetch(`${fixture.cluster.url}/admin`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('<form method="post" action="/admin/login">');
  });

  it('shows sessions of every node in /admin/api and /cluster, from whichever node answers', async () => {
    // A session placed on each node: a handshake stays where it lands.
    for (const node of nodes)
      clients.push(await connectChat(node.url, `on-${node.id}`, { transports: ['websocket'] }));
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    type Summary = {
      nodes: Array<{ id: string; sessions: number; reported: boolean; ringShare: number }>;
      sessions: number;
    };
    const summary = await waitFor('sessions on all three nodes in the admin view', async () => {
      const answer = (await (await fetch(`${nodes[2].url}/admin/api`, { headers })).json()) as Summary;
      const complete =
        answer.nodes.length === 3 && answer.nodes.every((node) => node.reported && node.sessions > 0);
      return complete ? answer : undefined;
    });
    expect(summary.nodes.map((node) => node.id)).toEqual(['node1', 'node2', 'node3']);
    expect(summary.nodes.reduce((sum, node) => sum + node.ringShare, 0)).toBeCloseTo(1, 2);
    // Another node answers from the records the others published (every STATS_INTERVAL_MS).
    const report = await waitFor('sessions on all three nodes in /cluster', async () => {
      const answer = (await (await fetch(`${nodes[0].url}/cluster`)).json()) as {
        sessions: number;
        cluster: Summary;
      };
      return answer.cluster.nodes.every((node) => node.sessions > 0) ? answer : undefined;
    });
    expect(report.cluster.nodes.every((node) => node.sessions > 0)).toBe(true);
    expect(report.cluster.sessions).toBeGreaterThan(report.sessions);
  });

  it('tells a graceful leave (info) from an expiry (warn), and lists both; METRICS_TOKEN guards a scrape', async () => {
    const [leaver, crasher] = await Promise.all([
      fixture.cluster.addNode('node4', { METRICS_TOKEN }),
      fixture.cluster.addNode('node5'),
    ]);
    // On the way, METRICS_TOKEN: node4 wants it, node5 does not.
    expect((await fetch(`${leaver.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${leaver.url}/metrics`, {
      headers: { authorization: 'Bearer wrong-token-xyz' },
    });
    expect(wrong.status).toBe(403);
    const scraped = await fetch(`${leaver.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(await scraped.text()).toContain('ringchat_ring_members{node="node4"}');
    expect((await fetch(`${crasher.url}/metrics`)).status).toBe(200);
    crasher.process.kill('SIGKILL');
    await leaver.stop();
    const observer = nodes[0];
    const logged = await waitFor("both departures in node1's log", () => {
      const lines = jsonLog(observer);
      const left = lines.find((line) => line.peer === 'node4' && line.kind === 'left');
      const expired = lines.find((line) => line.peer === 'node5' && line.kind === 'expired');
      return left && expired && { left, expired };
    });
    expect(logged.left.level).toBe('info');
    expect(logged.expired.level).toBe('warn');
    const api = (await (
      await fetch(`${observer.url}/admin/api`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as {
      events: Array<{ node: string; kind: string }>;
    };
    expect(api.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ node: 'node4', kind: 'left' }),
        expect.objectContaining({ node: 'node5', kind: 'expired' }),
        expect.objectContaining({ node: 'node5', kind: 'joined' }),
      ]),
    );
    expect(
      await clusterSample([observer], 'ringchat_membership_events_total', { kind: 'expired' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('renders the admin page for a person who signs in, within the CSP', async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      const cspViolations: string[] = [];
      page.on('console', (message) => {
        if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
      });
      await page.goto(`${fixture.cluster.url}/admin`);
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForSelector('h2:has-text("Nodes")');
      const nodeRows = await page.locator('table').first().locator('tbody tr').allTextContents();
      expect(nodeRows.filter((row) => /^node[123]/.test(row))).toHaveLength(3);
      expect(await page.textContent('body')).toContain('ops');
      await page.screenshot({ path: join(ARTIFACTS, 'admin-view.png'), fullPage: true });
      expect(cspViolations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
