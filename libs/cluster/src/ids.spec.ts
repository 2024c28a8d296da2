import { describe, expect, it } from 'vitest';
import { NODE_ID_PATTERN, parseSessionId } from './ids.js';

const RANDOM = 'AbCdEfGhIj_-0123456Z';

describe('parseSessionId', () => {
  it.each([RANDOM, `node1.${RANDOM}`, `a.${RANDOM}`, `${'n'.repeat(32)}.${RANDOM}`, `eu-west_2.${RANDOM}`])(
    'accepts %j (plain engine.io sids, or prefixed with a node id)',
    (sid) => {
      expect(parseSessionId(sid)).toBe(sid);
    },
  );

  it.each([
    `${'n'.repeat(33)}.${RANDOM}`,
    `-node.${RANDOM}`,
    `.${RANDOM}`,
    `node1.${RANDOM}x`,
    `node1.${RANDOM.slice(1)}`,
    `node.1.${RANDOM}`,
    `node1..${RANDOM}`,
    `node1/x.${RANDOM}`,
    `node1.${RANDOM}\n`,
  ])('rejects %j', (sid) => {
    expect(parseSessionId(sid)).toBeUndefined();
  });
});

describe('NODE_ID_PATTERN', () => {
  it('is the node id syntax that sid prefixes use', () => {
    expect(NODE_ID_PATTERN.test('node1')).toBe(true);
    expect(NODE_ID_PATTERN.test('n'.repeat(33))).toBe(false);
    expect(NODE_ID_PATTERN.test('_node')).toBe(false);
  });
});
