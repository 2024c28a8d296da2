import { describe, expect, it } from 'vitest';
import { NodeMetrics } from './node-metrics.js';

function metrics() {
  const subject = new NodeMetrics({ node: 'node7', processMetrics: false });
  subject.readFrom({
    connectionsByTransport: () => ({ polling: 2, websocket: 5 }),
    ringEpoch: () => 9,
    ringMembers: () => 3,
    pins: () => 4,
  });
  return subject;
}

describe('NodeMetrics', () => {
  it('keeps a registry per node, so two nodes in one process do not collide', async () => {
    const one = metrics();
    const two = new NodeMetrics({ node: 'node8', processMetrics: false });
    one.stored('lobby', false, 0.002);
    expect((await one.exposition()).body).toMatch(/^ringchat_messages_stored_total\{node="node7"\} 1$/m);
    expect((await two.exposition()).body).toMatch(/^ringchat_messages_stored_total\{node="node8"\} 0$/m);
  });

  it('reads gauges from the node at scrape time', async () => {
    const { body } = await metrics().exposition();
    expect(body).toContain('ringchat_connections{transport="polling",node="node7"} 2');
    expect(body).toContain('ringchat_connections{transport="websocket",node="node7"} 5');
    expect(body).toContain('ringchat_ring_epoch{node="node7"} 9');
    expect(body).toContain('ringchat_pins{node="node7"} 4');
  });

  it('counts forwards by outcome and times only those that reached the owner', async () => {
    const subject = metrics();
    subject.forwarded('upgrade', 'forwarded', 0.01);
    subject.forwarded('push', 'unreachable', 2);
    const { body } = await subject.exposition();
    expect(body).toContain(
      'ringchat_forwarded_requests_total{kind="push",outcome="unreachable",node="node7"} 1',
    );
    expect(body).toContain('ringchat_forward_duration_seconds_count{node="node7",kind="push"} 0');
    expect(body).toContain('ringchat_forward_duration_seconds_count{node="node7",kind="upgrade"} 1');
    expect(body).toContain('ringchat_upgrades_piped_total{node="node7"} 1');
  });

  it('starts every refusal code and read kind at zero, and counts Redis errors apart from timings', async () => {
    const subject = metrics();
    subject.refused('rate_limited');
    subject.answered('evalsha', 0.001, false);
    subject.answered('xadd', 2, true);
    const { body } = await subject.exposition();
    expect(body).toContain('ringchat_refusals_total{code="not_member",node="node7"} 0');
    expect(body).toContain('ringchat_refusals_total{code="rate_limited",node="node7"} 1');
    expect(body).toContain('ringchat_history_reads_total{kind="resume",node="node7"} 0');
    expect(body).toContain('ringchat_redis_command_duration_seconds_count{node="node7",command="evalsha"} 1');
    expect(body).toContain('ringchat_redis_command_errors_total{command="xadd",node="node7"} 1');
  });
});
