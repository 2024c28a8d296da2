import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built node, as cluster.sh runs it. The test command builds first. */
export const NODE_ENTRY = join(PROJECT_ROOT, 'dist/apps/chat-node/apps/chat-node/src/main.js');

/** Where tests leave what a person looks at afterwards: screenshots, logs of failed runs (not committed). */
export const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts');

/** A fresh folder for one test's processes (configs, data, logs). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ringchat-${prefix}-`));
}
