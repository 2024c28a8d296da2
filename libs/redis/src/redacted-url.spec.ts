import { describe, expect, it } from 'vitest';
import { redactedUrl } from './redacted-url.js';

describe('redactedUrl', () => {
  it('blanks the password and keeps the rest', () => {
    expect(redactedUrl('redis://:s3cret@127.0.0.1:6390')).toBe('redis://:***@127.0.0.1:6390');
    expect(redactedUrl('rediss://ringchat:s3cret@redis.internal:6380/2')).toBe(
      'rediss://ringchat:***@redis.internal:6380/2',
    );
  });

  it('blanks a password holding an unencoded @, and one in a URL too broken to parse', () => {
    expect(redactedUrl('redis://:p@ss@host:6379')).toBe('redis://:***@host:6379');
    expect(redactedUrl('redis://:s3cret@host:99999999')).toBe('redis://:***@host:99999999');
  });

  it('leaves text without a password alone', () => {
    for (const text of ['redis://127.0.0.1:6379', 'redis://user@host', '3000', 'node1', 'http://a/b:c@d']) {
      expect(redactedUrl(text)).toBe(text);
    }
  });
});
