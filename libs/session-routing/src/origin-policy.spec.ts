import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ORIGIN_REFUSED, OriginPolicy } from './origin-policy.js';

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as IncomingMessage;
}

describe('OriginPolicy', () => {
  const sameHostOnly = new OriginPolicy();

  it('lets pages of the same host connect, whatever the port a proxy shows', () => {
    expect(
      sameHostOnly.refusal(request({ origin: 'http://localhost:9000', host: 'localhost' })),
    ).toBeUndefined();
    expect(
      sameHostOnly.refusal(request({ origin: 'https://chat.example', host: 'chat.example:443' })),
    ).toBeUndefined();
  });

  it('lets requests without an Origin through: they are no browser acting for another site', () => {
    expect(sameHostOnly.refusal(request({ host: 'localhost' }))).toBeUndefined();
  });

  it('refuses pages from elsewhere with a reason', () => {
    expect(sameHostOnly.refusal(request({ origin: 'http://evil.example', host: 'localhost' }))).toBe(
      ORIGIN_REFUSED,
    );
    expect(sameHostOnly.refusal(request({ origin: 'null', host: 'localhost' }))).toMatch(/may not connect/);
    expect(
      sameHostOnly.refusal(request({ origin: 'http://localhost.evil.example', host: 'localhost' })),
    ).toMatch(/may not connect/);
    expect(sameHostOnly.refusal(request({ origin: 'http://evil.example' }))).toMatch(/may not connect/);
  });

  it('allows the listed origins exactly, or any with *', () => {
    const listed = new OriginPolicy({ allowed: ['https://app.example'] });
    expect(listed.refusal(request({ origin: 'https://app.example', host: 'chat.internal' }))).toBeUndefined();
    expect(listed.refusal(request({ origin: 'http://app.example', host: 'chat.internal' }))).toMatch(
      /may not connect/,
    );
    const any = new OriginPolicy({ allowed: ['*'] });
    expect(any.refusal(request({ origin: 'http://evil.example', host: 'localhost' }))).toBeUndefined();
  });
});
