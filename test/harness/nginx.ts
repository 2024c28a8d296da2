import { join } from 'node:path';
// The same renderer and template as cluster.sh.
import { writeNginxConfig } from '../../nginx/render-config.mjs';
import { ManagedProcess } from './managed-process.js';
import { tempDir } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface TestNginx {
  port: number;
  url: string;
  prefix: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** A real nginx in the foreground, round robin over `upstreams` (`host:port`). */
export async function startNginx(
  upstreams: string[],
  options: { port?: number } = {},
): Promise<TestNginx> {
  const port = options.port ?? (await freePort());
  const prefix = tempDir('nginx');
  const conf = writeNginxConfig({
    prefix,
    port,
    upstreams,
    logDir: join(prefix, 'logs'),
    daemon: false,
  });
  const proc = new ManagedProcess('nginx', 'nginx', ['-p', prefix, '-c', conf]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `nginx on port ${port}`,
    async () => {
      if (!proc.running) throw new Error(`nginx exited:\n${proc.tail()}`);
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      return true;
    },
    10_000,
    100,
  );
  return { port, url, prefix, process: proc, stop: () => proc.stop() };
}
