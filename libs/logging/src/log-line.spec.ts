import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-line.js';
import { TaggedLogger } from './tagged-logger.js';

const TIME = new Date(2026, 10, 21, 18, 2, 11, 532);

describe('formatLogLine', () => {
  it('starts text lines with the node tag, then the ISO time, level, context and message', () => {
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
    expect(line).toBe(`[node2] ${TIME.toISOString()} DEBUG EngineIO - Received poll request for abc`);
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

describe('log fields', () => {
  const record = {
    node: 'node1',
    time: TIME,
    level: 'info' as const,
    context: 'Chat',
    message: 'connect',
    fields: { user: 'alice', sid: 'abc-1', room: 'two words', transport: undefined, n: 3 },
  };

  it('leave text lines as they were: the message says it in words', () => {
    expect(formatLogLine(record, 'text')).toBe(`[node1] ${TIME.toISOString()} INFO  Chat - connect`);
  });

  it('are keys of their own in JSON, never overwriting the record', () => {
    const line = formatLogLine({ ...record, fields: { ...record.fields, level: 'error' } }, 'json');
    expect(JSON.parse(line)).toEqual({
      node: 'node1',
      time: TIME.toISOString(),
      level: 'info',
      context: 'Chat',
      message: 'connect',
      user: 'alice',
      sid: 'abc-1',
      room: 'two words',
      n: 3,
    });
  });

  it('pass through a Log bound to a context', () => {
    const lines: string[] = [];
    const logger = new TaggedLogger({ node: 'node2', format: 'json', write: (line) => lines.push(line) });
    logger.forContext('Chat').info('join', { sid: 's1', room: 'lobby' });
    expect(JSON.parse(lines[0])).toMatchObject({ node: 'node2', context: 'Chat', sid: 's1', room: 'lobby' });
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
    expect(lines[0]).toMatch(/^\[node3\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  Router - shown$/);
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
