import { describe, expect, it } from 'vitest';
import { parseClusterSeeds } from './cluster-seeds.js';

describe('parseClusterSeeds', () => {
  it('reads host:port pairs, with spaces and IPv6 in brackets', () => {
    expect(parseClusterSeeds('10.0.0.1:7000, redis-b:7001,[::1]:7002')).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('refuses an empty list, a missing port and a port out of range', () => {
    expect(() => parseClusterSeeds(' , ')).toThrow('no host:port');
    expect(() => parseClusterSeeds('10.0.0.1')).toThrow("'10.0.0.1'");
    expect(() => parseClusterSeeds('a:7000,b:70000')).toThrow("'b:70000'");
  });
});
