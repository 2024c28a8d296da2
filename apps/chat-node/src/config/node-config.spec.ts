import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadNodeConfig } from './node-config.js';

const VALID = { NODE_ID: 'node1', CLUSTER_SECRET: 'a-long-enough-secret' };

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadNodeConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadNodeConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadNodeConfig(VALID)).toEqual({
      nodeId: 'node1',
      host: '127.0.0.1',
      port: 3000,
      redisUrl: 'redis://127.0.0.1:6379',
      redisClusterNodes: '',
      ackReplicas: 0,
      ackReplicaTimeoutMs: 500,
      advertiseUrl: 'http://127.0.0.1:3000',
      clusterSecret: 'a-long-enough-secret',
      allowedOrigins: [],
      peerReplayCacheSize: 200_000,
      pollBatchMs: 20,
      logLevel: 'info',
      logFormat: 'text',
      metricsToken: '',
      adminToken: '',
      statsIntervalMs: 2000,
      pingIntervalMs: 25000,
      pingTimeoutMs: 20000,
      maxPayloadBytes: 1_000_000,
      shutdownTimeoutMs: 5000,
      drainTimeoutMs: 30000,
      heartbeatIntervalMs: 1000,
      memberTtlMs: 3000,
      profile: 'chat',
      connectTimeoutMs: 45000,
      allowEio3: true,
      historyPageSize: 50,
      historyRetention: 1000,
      historyMaxAgeMs: 0,
      messageMaxLength: 2000,
      ratePerSecond: 20,
      rateBurst: 40,
      messageMaxBytes: 16_384,
      historyAnswerMaxMessages: 200,
      historyAnswerMaxBytes: 262_144,
      roomsPerConnection: 50,
      roomsPageMax: 100,
      roomListIdleMs: 3_600_000,
      typingExpiryMs: 5000,
      presenceReconcileMs: 5000,
      roomDelivery: 'room',
      authMode: 'guest',
      authJwtSecret: '',
      authJwtPublicKey: '',
      authJwksUrl: '',
      authJwtIssuer: '',
      authJwtAudience: '',
    });
  });

  it('applies the protocol-test profile over the defaults', () => {
    expect(loadNodeConfig({ ...VALID, RINGCHAT_PROFILE: 'protocol-test' })).toMatchObject({
      profile: 'protocol-test',
      pingIntervalMs: 300,
      pingTimeoutMs: 200,
      connectTimeoutMs: 1000,
      maxPayloadBytes: 1_000_000,
      corsOrigin: '*',
      allowedOrigins: ['*'],
      allowEio3: false,
    });
  });

  it('reads every variable', () => {
    const config = loadNodeConfig({
      ...VALID,
      HOST: '0.0.0.0',
      PORT: '9002',
      REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
      LOG_LEVEL: 'DEBUG',
      LOG_FORMAT: 'json',
      PING_INTERVAL_MS: '300',
      PING_TIMEOUT_MS: '200',
      MAX_PAYLOAD_BYTES: '65536',
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9002,
      // 0.0.0.0 is not an address a peer can dial.
      advertiseUrl: 'http://127.0.0.1:9002',
      redisUrl: 'rediss://:pw@redis.internal:6380/2',
      logLevel: 'debug',
      logFormat: 'json',
      pingIntervalMs: 300,
      pingTimeoutMs: 200,
      maxPayloadBytes: 65536,
      shutdownTimeoutMs: 2000,
    });
  });

  it('reads ALLOWED_ORIGINS as normalised origins, or * for any', () => {
    const load = (value: string) => loadNodeConfig({ ...VALID, ALLOWED_ORIGINS: value }).allowedOrigins;
    expect(load('https://chat.example.com, http://localhost:8080/')).toEqual([
      'https://chat.example.com',
      'http://localhost:8080',
    ]);
    expect(load('*')).toEqual(['*']);
    expect(() => load('https://chat.example.com/app')).toThrow(
      /ALLOWED_ORIGINS must be comma-separated origins/,
    );
    expect(() => load('chat.example.com')).toThrow(/got "chat.example.com"/);
    expect(() => load('*, https://a.example')).toThrow(/ALLOWED_ORIGINS/);
  });

  it('keeps an explicit ADVERTISE_URL, without a trailing slash', () => {
    expect(loadNodeConfig({ ...VALID, ADVERTISE_URL: 'http://10.1.2.3:9001/' }).advertiseUrl).toBe(
      'http://10.1.2.3:9001',
    );
  });

  it.each([
    [{ NODE_ID: undefined }, 'NODE_ID', 'it is not set'],
    [{ NODE_ID: 'node 1' }, 'NODE_ID', 'got "node 1"'],
    [{ NODE_ID: 'x'.repeat(33) }, 'NODE_ID', 'NODE_ID must be 1-32'],
    [{ CLUSTER_SECRET: undefined }, 'CLUSTER_SECRET', 'it is not set'],
    [{ CLUSTER_SECRET: 'short' }, 'CLUSTER_SECRET', 'at least 16'],
    [{ PORT: 'abc' }, 'PORT', 'got "abc"'],
    [{ PORT: '0' }, 'PORT', 'from 1 to 65535'],
    [{ PORT: '70000' }, 'PORT', 'from 1 to 65535'],
    [{ PORT: '80.5' }, 'PORT', 'whole number'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL', 'redis://'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL', 'got "not a url"'],
    [{ ADVERTISE_URL: 'ftp://x' }, 'ADVERTISE_URL', 'http://'],
    [{ ADVERTISE_URL: 'http://host:1/path' }, 'ADVERTISE_URL', 'without a path'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'error, warn, info, debug, trace'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT', 'text, json'],
    [{ PING_INTERVAL_MS: '-1' }, 'PING_INTERVAL_MS', 'whole number'],
    [{ SHUTDOWN_TIMEOUT_MS: '10' }, 'SHUTDOWN_TIMEOUT_MS', 'from 100'],
    [{ RINGCHAT_PROFILE: 'demo' }, 'RINGCHAT_PROFILE', 'chat, protocol-test'],
    [{ HEARTBEAT_INTERVAL_MS: '2000' }, 'MEMBER_TTL_MS', 'at least twice HEARTBEAT_INTERVAL_MS'],
  ])('rejects %j naming %s', (override, variable, detail) => {
    const problems = problemsOf({ ...VALID, ...override });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable} `));
    expect(problems[0]).toContain(detail);
  });

  it('reports every bad variable in one error', () => {
    const error = (() => {
      try {
        loadNodeConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.problems.map((p) => p.split(' ')[0])).toEqual([
      'NODE_ID',
      'PORT',
      'CLUSTER_SECRET',
      'LOG_LEVEL',
    ]);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('treats blank values as unset', () => {
    expect(loadNodeConfig({ ...VALID, PORT: '  ', LOG_LEVEL: '' }).port).toBe(3000);
  });

  it('never shows the secret when describing the config', () => {
    const text = describeConfig(loadNodeConfig(VALID));
    expect(text).toContain('nodeId=node1');
    expect(text).not.toContain('a-long-enough-secret');
  });

  it('never shows the Redis password, when describing the config or a problem with it', () => {
    const config = loadNodeConfig({ ...VALID, REDIS_URL: 'redis://:redis-pass-123@127.0.0.1:6390' });
    expect(config.redisUrl).toBe('redis://:redis-pass-123@127.0.0.1:6390');
    expect(describeConfig(config)).toContain('redisUrl=redis://:***@127.0.0.1:6390');
    expect(describeConfig(config)).not.toContain('redis-pass-123');
    const problems = problemsOf({ ...VALID, REDIS_URL: 'http://:redis-pass-123@127.0.0.1:6390' });
    expect(problems).toEqual([expect.stringContaining('(got "http://:***@127.0.0.1:6390")')]);
  });

  it('checks the rule between variables only on values that were accepted', () => {
    expect(problemsOf({ ...VALID, MEMBER_TTL_MS: '10' })).toEqual([
      'MEMBER_TTL_MS must be a whole number from 100 to 600000 (got "10")',
    ]);
    expect(problemsOf({ ...VALID, HEARTBEAT_INTERVAL_MS: 'x' })).toHaveLength(1);
  });

  it('names both values when the rule between them fails', () => {
    expect(problemsOf({ ...VALID, HEARTBEAT_INTERVAL_MS: '2000' })).toEqual([
      'MEMBER_TTL_MS must be at least twice HEARTBEAT_INTERVAL_MS (got 3000 with HEARTBEAT_INTERVAL_MS 2000)',
    ]);
  });

  it('takes any accepted value as it is, whatever the word', () => {
    expect(loadNodeConfig({ ...VALID, NODE_ID: 'bad' }).nodeId).toBe('bad');
  });
});
