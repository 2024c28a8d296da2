import { describe, expect, it } from 'vitest';
import { LocalPresence } from './local-presence.js';

const ann = { userId: 'u-ann', user: 'ann', guest: true };
const bob = { userId: 'u-bob', user: 'bob', guest: false };

describe('LocalPresence', () => {
  it('counts connections per identity and room', () => {
    const local = new LocalPresence();
    local.add('lobby', ann);
    local.add('lobby', ann);
    local.add('lobby', bob);
    expect(local.share('lobby')).toEqual([
      { ...ann, connections: 2 },
      { ...bob, connections: 1 },
    ]);
  });

  it('forgets identities and rooms with no connections left', () => {
    const local = new LocalPresence();
    local.add('lobby', ann);
    local.add('lobby', ann);
    local.remove('lobby', ann.userId);
    expect(local.share('lobby')).toEqual([{ ...ann, connections: 1 }]);
    local.remove('lobby', ann.userId);
    expect(local.roomNames()).toEqual([]);
    expect(local.share('lobby')).toEqual([]);
  });

  it('ignores a removal it never counted', () => {
    const local = new LocalPresence();
    local.remove('lobby', ann.userId);
    local.add('lobby', bob);
    local.remove('lobby', ann.userId);
    expect(local.share('lobby')).toEqual([{ ...bob, connections: 1 }]);
  });

  it('hands out copies, not its own entries', () => {
    const local = new LocalPresence();
    local.add('lobby', ann);
    local.share('lobby')[0].connections = 99;
    expect(local.share('lobby')[0].connections).toBe(1);
  });

  it('hands over the rooms it left since last asked, once', () => {
    const local = new LocalPresence();
    local.add('lobby', ann);
    local.add('den', bob);
    local.remove('lobby', ann.userId);
    expect(local.has('lobby')).toBe(false);
    expect(local.has('den')).toBe(true);
    expect(local.takeEmptied()).toEqual(['lobby']);
    expect(local.takeEmptied()).toEqual([]);
  });
});
