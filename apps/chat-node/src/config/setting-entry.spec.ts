import { describe, expect, it } from 'vitest';
import { integer, oneOf, text, url } from './setting-entry.js';

describe('setting entries', () => {
  it('integer: digits only, within its bounds', () => {
    const port = integer({ env: 'PORT', help: '', min: 1, max: 65535, default: 3000 });
    expect(port.accepts).toBe('a whole number from 1 to 65535');
    expect(port.parse('8080')).toBe(8080);
    for (const bad of ['0', '65536', '1e3', '+5', '0x10', '80.5'])
      expect(port.parse(bad), bad).toBeUndefined();
  });

  it('oneOf: any case, returned in the declared case', () => {
    const level = oneOf({ env: 'LEVEL', help: '', choices: ['info', 'debug'] });
    expect(level.parse('DEBUG')).toBe('debug');
    expect(level.parse('loud')).toBeUndefined();
    expect(level.fallback).toEqual({ kind: 'required' });
  });

  it('text: a value that happens to be a word the loader uses is still a value', () => {
    const id = text({ env: 'ID', help: '', pattern: /^[a-z]+$/, accepts: 'lower-case letters' });
    expect(id.parse('bad')).toBe('bad');
    expect(id.parse('skipped')).toBe('skipped');
    expect(id.parse('Bad')).toBeUndefined();
  });

  it('url: scheme checked; an origin-only URL loses its trailing slash and may not have a path', () => {
    const origin = url({ env: 'AT', help: '', protocols: ['http:', 'https:'], originOnly: true });
    expect(origin.parse('https://a.example:8443/')).toBe('https://a.example:8443');
    expect(origin.parse('http://a.example/x')).toBeUndefined();
    expect(origin.parse('http://a.example/?q=1')).toBeUndefined();
    expect(origin.parse('ftp://a.example')).toBeUndefined();
    const redis = url({ env: 'R', help: '', protocols: ['redis:'] });
    expect(redis.parse('redis://h:1/2')).toBe('redis://h:1/2');
  });

  it('secret only when declared so', () => {
    expect(text({ env: 'S', help: '', pattern: /./, accepts: 'x', secret: true }).secret).toBe(true);
    expect(text({ env: 'T', help: '', pattern: /./, accepts: 'x' }).secret).toBe(false);
  });
});
