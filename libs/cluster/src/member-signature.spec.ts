import { describe, expect, it } from 'vitest';
import { asNodeId } from './ids.js';
import type { Member } from './member.js';
import { MemberSignature } from './member-signature.js';

const records = new MemberSignature('the-cluster-secret-0123');
const node2: Member = {
  id: asNodeId('node2'),
  url: 'http://127.0.0.1:9002',
  startedAt: 1_700_000_000_000,
  instance: 'b7c1',
};

/** The sealed record with some fields replaced, as someone with write access to Redis could. */
function tampered(fields: Record<string, unknown>): string {
  return JSON.stringify({ ...(JSON.parse(records.seal(node2)) as object), ...fields });
}

describe('MemberSignature', () => {
  it('opens what it sealed, giving back the member', () => {
    expect(records.open(records.seal(node2))).toEqual({ ok: true, member: node2 });
  });

  it('refuses a record sealed with another secret, naming the id it claims', () => {
    const forged = new MemberSignature('a-guess-at-the-secret!').seal(node2);
    expect(records.open(forged)).toEqual({ ok: false, claimedId: 'node2' });
  });

  it('refuses a record whose signed fields were changed', () => {
    expect(records.open(tampered({ url: 'http://evil.example:80' })).ok).toBe(false);
    expect(records.open(tampered({ id: 'node3' }))).toEqual({ ok: false, claimedId: 'node3' });
    expect(records.open(tampered({ instance: 'other' })).ok).toBe(false);
    expect(records.open(tampered({ startedAt: 1 })).ok).toBe(false);
  });

  it('drops fields it did not sign', () => {
    expect(records.open(tampered({ extra: 'ignored' }))).toEqual({ ok: true, member: node2 });
  });

  it('refuses unsigned and malformed records', () => {
    const { id, url, startedAt, instance } = node2;
    expect(records.open(JSON.stringify({ id, url, startedAt, instance }))).toEqual({
      ok: false,
      claimedId: 'node2',
    });
    expect(records.open(tampered({ signature: 'abc' })).ok).toBe(false);
    expect(records.open(tampered({ startedAt: '1700000000000' })).ok).toBe(false);
    expect(records.open('not json')).toEqual({ ok: false, claimedId: undefined });
    expect(records.open('null')).toEqual({ ok: false, claimedId: undefined });
    expect(records.open('[1,2]')).toEqual({ ok: false, claimedId: undefined });
  });
});
