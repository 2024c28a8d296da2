import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderNginxConfig, writeNginxConfig, type NginxConfigOptions } from './render-config.mjs';

const prefix = mkdtempSync(join(tmpdir(), 'ringchat-nginx-spec-'));
const NODES = ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'];
const OWNERS = NODES.map((address, i) => ({ id: `node${i + 1}`, address }));
const base: NginxConfigOptions = {
  prefix,
  port: 9000,
  upstreams: NODES,
  logDir: join(prefix, 'logs'),
  fileLimit: 1024,
};

/** The body of the `upstream NAME { ... }` block. */
function group(config: string, name: string): string[] {
  const body = new RegExp(`upstream ${name} \\{\\n([^}]*)\\}`).exec(config)?.[1] ?? '';
  return body
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

afterAll(() => rmSync(prefix, { recursive: true, force: true }));

describe('renderNginxConfig without owners', () => {
  it('round robins every request over the nodes', () => {
    const config = renderNginxConfig(base);
    expect(config).toContain('proxy_pass http://ringchat_nodes;');
    expect(config).not.toContain('ringchat_owner_');
    expect(config).not.toContain('$arg_sid');
  });
});

describe('renderNginxConfig with owners', () => {
  const config = renderNginxConfig({ ...base, owners: OWNERS });

  it('gives each node a group where it serves and the others are backups', () => {
    expect(group(config, 'ringchat_owner_node2')).toEqual([
      'server 127.0.0.1:9002 max_fails=1 fail_timeout=2s;',
      'server 127.0.0.1:9001 max_fails=1 fail_timeout=2s backup;',
      'server 127.0.0.1:9003 max_fails=1 fail_timeout=2s backup;',
      'keepalive 128;',
      'keepalive_timeout 60s;',
    ]);
  });

  it('maps a sid prefix to its node group, anything else to round robin', () => {
    const map = /map \$arg_sid \$ringchat_upstream \{\n([^}]*)\}/.exec(config)?.[1].trim().split(/\n\s*/);
    expect(map).toEqual([
      'default ringchat_nodes;',
      '~^node1\\. ringchat_owner_node1;',
      '~^node2\\. ringchat_owner_node2;',
      '~^node3\\. ringchat_owner_node3;',
    ]);
    expect(config).toContain('proxy_pass http://$ringchat_upstream;');
    // Still no client-sent peer headers through the front door.
    expect(config).toContain('proxy_set_header X-Ringchat-Peer "";');
  });

  it('leaves out an owner that is not an upstream (a node taken out of nginx)', () => {
    const partial = renderNginxConfig({ ...base, upstreams: [NODES[0], NODES[2]], owners: OWNERS });
    expect(partial).not.toContain('ringchat_owner_node2');
    expect(partial).not.toContain('127.0.0.1:9002');
    expect(group(partial, 'ringchat_owner_node3')).toContain(
      'server 127.0.0.1:9001 max_fails=1 fail_timeout=2s backup;',
    );
  });

  it.each([
    ['a malformed id', [{ id: 'node1;', address: NODES[0] }], /not a node id/],
    ['an id with a regex in it', [{ id: '.*', address: NODES[0] }], /not a node id/],
    ['a repeated id', [OWNERS[0], { id: 'node1', address: NODES[1] }], /given twice/],
  ])('refuses %s', (_, owners, error) => {
    expect(() => renderNginxConfig({ ...base, owners })).toThrow(error);
  });

  it('refuses to combine with address stickiness', () => {
    expect(() => renderNginxConfig({ ...base, owners: OWNERS, stickyByAddress: true })).toThrow(/exclude/);
  });

  it('is a configuration nginx accepts', () => {
    const file = writeNginxConfig({ ...base, owners: OWNERS });
    expect(() =>
      execFileSync('nginx', ['-t', '-q', '-p', prefix, '-c', file], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
