import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestNode } from './chat-node.js';
import { ARTIFACTS } from './paths.js';

/** What a failed run's logs are read from: a TestCluster, or nodes and nginx a test started itself. */
export interface LoggedProcesses {
  nodes: readonly TestNode[];
  nginx?: { prefix: string };
}

/**
 * Writes every node's output and nginx's access log of a cluster whose file had a
 * failed test to `test-artifacts/node-logs/<test file>/`, so an intermittent
 * failure in a full run can be traced afterwards (grep the sid it names).
 */
export function keepNodeLogs(cluster: LoggedProcesses, testFile: string): string {
  const dir = join(ARTIFACTS, 'node-logs', basename(testFile).replace(/\.e2e-spec\.ts$/, ''));
  mkdirSync(dir, { recursive: true });
  for (const node of cluster.nodes) writeFileSync(join(dir, `${node.id}.log`), node.process.output());
  const accessLog = cluster.nginx && join(cluster.nginx.prefix, 'logs', 'nginx-access.log');
  if (accessLog && existsSync(accessLog)) copyFileSync(accessLog, join(dir, 'nginx-access.log'));
  return dir;
}
