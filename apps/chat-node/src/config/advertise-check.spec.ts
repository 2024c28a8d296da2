import { describe, expect, it } from 'vitest';
import { advertiseWarning, isLoopback } from './advertise-check.js';

describe('isLoopback', () => {
  it('knows loopback names and addresses', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      'app.localhost',
      '::1',
      '[::1]',
    ]) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ['10.213.0.12', '0.0.0.0', '::', 'node1.internal', '128.0.0.1', '127.example.com']) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});

describe('advertiseWarning', () => {
  it('warns when a node open to other hosts advertises loopback', () => {
    expect(advertiseWarning('0.0.0.0', 'http://127.0.0.1:9001')).toMatch(
      /^ADVERTISE_URL http:\/\/127\.0\.0\.1:9001 is a loopback address while HOST is 0\.0\.0\.0/,
    );
    expect(advertiseWarning('10.0.0.5', 'http://localhost:9001')).toBeDefined();
  });

  it('is quiet on one machine, and for a reachable address', () => {
    expect(advertiseWarning('127.0.0.1', 'http://127.0.0.1:9001')).toBeUndefined();
    expect(advertiseWarning('0.0.0.0', 'http://10.0.0.5:9001')).toBeUndefined();
    expect(advertiseWarning('::', 'http://[fd00::5]:9001')).toBeUndefined();
  });
});
