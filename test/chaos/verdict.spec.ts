import { describe, expect, it } from 'vitest';
import type { PresenceView } from './presence-views.js';
import { checkDelivery, checkPresence, judge, type ChatEvidence, type ClientRecord } from './verdict.js';

const JOINED = 1000;

function client(name: string, received: string[], extra: Partial<ClientRecord> = {}): ClientRecord {
  return {
    name,
    userId: `g_${name}`,
    connected: true,
    joinedAt: { lobby: JOINED },
    received: { lobby: received },
    pushedTwice: {},
    waiting: 0,
    ...extra,
  };
}

function evidence(clients: ClientRecord[], streamIds = ['900-0', '1500-0', '1600-0']): ChatEvidence {
  return {
    streams: { lobby: streamIds.map((id, i) => ({ id, cid: `m${i}` })) },
    clients,
    sends: streamIds.map((id, i) => ({ client: 'a', room: 'lobby', clientMsgId: `m${i}`, id })),
  };
}

const noStuck = { disconnected: [], probesFailed: [], waitingSends: 0 };
const noPresenceFindings = { zombies: [], missing: [], unreadable: [] };

describe('checkDelivery', () => {
  it('owes a client every message stored after its join, and passes when each arrived', () => {
    const findings = checkDelivery(
      evidence([client('a', ['1500-0', '1600-0']), client('b', ['900-0', '1500-0', '1600-0'])]),
    );
    expect(findings).toMatchObject({ acked: 3, stored: 3, expectedDeliveries: 4, lost: [], storedTwice: [] });
    expect(judge(findings, noPresenceFindings, noStuck)).toEqual({ passed: true, failures: [] });
  });

  it('reports a message a present client never got as lost', () => {
    const findings = checkDelivery(evidence([client('a', ['1500-0'])]));
    expect(findings.lost).toEqual([{ client: 'a', room: 'lobby', id: '1600-0' }]);
    expect(judge(findings, noPresenceFindings, noStuck).failures).toEqual(['1 lost deliveries']);
  });

  it('owes nothing to a client that is not connected at the end (it is stuck instead)', () => {
    const findings = checkDelivery(evidence([client('a', [], { connected: false })]));
    expect(findings.lost).toEqual([]);
    expect(findings.expectedDeliveries).toBe(0);
  });

  it('finds a clientMsgId stored twice, a live message pushed twice, and an ack without its entry', () => {
    const twice = evidence([client('a', ['1500-0', '1600-0'], { pushedTwice: { 'lobby\n1600-0': 2 } })]);
    twice.streams.lobby.push({ id: '1700-0', cid: 'm2' });
    twice.sends.push({ client: 'a', room: 'lobby', clientMsgId: 'm9', id: '1800-0' });
    const findings = checkDelivery(twice);
    expect(findings.storedTwice).toEqual([{ room: 'lobby', clientMsgId: 'm2', ids: ['1600-0', '1700-0'] }]);
    expect(findings.pushedTwice).toEqual([{ client: 'a', room: 'lobby', id: '1600-0', count: 2 }]);
    expect(findings.ackedNotStored.map((s) => s.clientMsgId)).toEqual(['m9']);
    expect(findings.lost.map((l) => l.id)).toEqual(['1700-0']);
  });
});

describe('checkPresence', () => {
  const view = (name: string, ids: string[]): PresenceView => ({
    view: name,
    rooms: new Map([['lobby', new Map(ids.map((id) => [id, id]))]]),
  });
  const live = new Map([
    [
      'lobby',
      new Map([
        ['g_a', 'a'],
        ['g_b', 'b'],
      ]),
    ],
  ]);

  it('finds zombies and missing members per view, leaving the observers out', () => {
    const findings = checkPresence(
      [view('redis', ['g_a', 'g_b', 'observer']), view('node1', ['g_a', 'g_gone'])],
      live,
      new Set(['observer']),
    );
    expect(findings.zombies).toEqual([{ view: 'node1', room: 'lobby', userId: 'g_gone', user: 'g_gone' }]);
    expect(findings.missing).toEqual([{ view: 'node1', room: 'lobby', userId: 'g_b', user: 'b' }]);
    expect(judge(checkDelivery(evidence([])), findings, noStuck).failures).toEqual([
      '1 zombie listings',
      '1 missing listings',
    ]);
  });

  it('fails a view it could not read, and stuck clients', () => {
    const findings = checkPresence([{ view: 'node2', rooms: new Map(), error: 'refused' }], live, new Set());
    const verdict = judge(checkDelivery(evidence([])), findings, {
      disconnected: ['a'],
      probesFailed: ['lobby'],
      waitingSends: 2,
    });
    expect(verdict.passed).toBe(false);
    expect(verdict.failures).toEqual([
      '1 presence views unreadable',
      '1 clients not connected at the end',
      '1 rooms whose final probe did not reach every member',
      '2 sends still unacknowledged at the end',
    ]);
  });
});
