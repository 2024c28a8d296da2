import { describe, expect, it } from 'vitest';
import { GuestIdentities } from './guest-identities.js';

describe('GuestIdentities', () => {
  const guests = new GuestIdentities({ secret: 'cluster secret' });

  it('issues distinct ids whose tokens verify on any node with the same secret', () => {
    const a = guests.issue();
    const b = guests.issue();
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^g_/);
    const otherNode = new GuestIdentities({ secret: 'cluster secret' });
    expect(otherNode.verify(a.token)).toEqual(a);
  });

  it('refuses a token for another id, a changed signature or another secret', () => {
    const { id, token } = guests.issue();
    const signature = token.slice(id.length + 1);
    expect(guests.verify(`g_AAAAAAAAAAAAAAAA.${signature}`)).toBeUndefined();
    expect(guests.verify(`${id}.${signature.slice(0, -1)}x`)).toBeUndefined();
    expect(new GuestIdentities({ secret: 'another' }).verify(token)).toBeUndefined();
  });

  it('refuses anything that is not a token', () => {
    for (const value of [undefined, null, 42, '', 'g_abc', '.sig', 'x'.repeat(500), { id: 'g_x' }]) {
      expect(guests.verify(value)).toBeUndefined();
    }
  });

  it('resolves a valid token to its identity and anything else to a fresh one', () => {
    const known = guests.issue();
    expect(guests.resolve(known.token)).toEqual({ ...known, fresh: false });
    const fresh = guests.resolve('forged.token');
    expect(fresh.fresh).toBe(true);
    expect(guests.verify(fresh.token)?.id).toBe(fresh.id);
  });

  it('needs a secret', () => {
    expect(() => new GuestIdentities({ secret: '' })).toThrow(/secret/);
  });
});
