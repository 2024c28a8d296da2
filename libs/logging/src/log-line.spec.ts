import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-line.js';
import { TaggedLogger } from './tagged-logger.js';

const TIME = new Date(2026, 10, 21, 18, 2, 11, 532);

describe('formatLogLine', () => {
  it('starts text lines with the node tag, then time, level, context and message', () => {
    const line = formatLogLine(
      {
        node: 'node2',
        time: TIME,
        level: 'debug',
        context: 'EngineIO',
        message: 'Received poll request for abc',
      },
      'text',
    );
    expect(line).toBe('[node2] 18:02:11.532 DEBUG EngineIO - Received poll request for abc');
  });

  it('keeps one record on one line', () => {
    const line = formatLogLine(
      { node: 'n', time: TIME, level: 'info', context: 'C', message: 'a\nb' },
      'text',
    );
    expect(line).not.toContain('\n');
  });

  it('writes the same fields as JSON', () => {
    const line = formatLogLine(
      {
        node: 'node1',
        time: TIME,
        level: 'warn',
        context: 'Redis',
        message: 'x',
      },
      'json',
    );
    expect(JSON.parse(line)).toEqual({
      node: 'node1',
      time: TIME.toISOString(),
      level: 'warn',
      context: 'Redis',
      message: 'x',
    });
  });
});

describe('TaggedLogger', () => {
  function capture(level: 'info' | 'debug') {
    const lines: string[] = [];
    const logger = new TaggedLogger({
      node: 'node3',
      level,
      write: (line) => lines.push(line),
    });
    return { logger, lines };
  }

  it('drops lines below its level', () => {
    const { logger, lines } = capture('info');
    const log = logger.forContext('Router');
    log.debug('hidden');
    log.info('shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[node3\] \d\d:\d\d:\d\d\.\d{3} INFO  Router - shown$/);
    expect(log.isDebugEnabled()).toBe(false);
  });

  it('tags Nest framework lines and demotes start-up chatter to debug', () => {
    const { logger, lines } = capture('info');
    logger.log('Mapped {/healthz, GET} route', 'RouterExplorer');
    logger.log('hello', 'Chat');
    logger.error('boom', 'Error: boom\n    at x', 'Chat');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('INFO  Chat - hello');
    expect(lines[1]).toMatch(/^\[node3\] .* ERROR Chat - boom\\nError: boom/);
  });
});
