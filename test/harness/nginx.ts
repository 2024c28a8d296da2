import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The same renderer and template as cluster.sh.
import { writeNginxConfig } from '../../nginx/render-config.mjs';
import { ManagedProcess } from './managed-process.js';
import { tempDir } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/** A node the owner hint can name: requests whose sid starts with `<id>.` go to `address`. */
export interface NginxOwner {
  id: string;
  address: string;
}

export interface TestNginx {
  port: number;
  url: string;
  prefix: string;
  process: ManagedProcess;
  /**
   * Rewrites the upstream list and reloads (SIGHUP); open connections stay. Owner
   * hints: `owners` if given, else the last ones; those not among `upstreams` are left out.
   */
  reload(upstreams: string[], owners?: NginxOwner[]): Promise<void>;
  /** Lines of the access log (names the node that answered each request). */
  accessLog(): string[];
  stop(): Promise<void>;
}

export interface StartNginxOptions {
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Command that launches nginx, e.g. inside a network namespace (see ManagedProcessOptions). */
  launcher?: string[];
  /** Pin each client address to one upstream (`hash $remote_addr consistent`). @default false */
  stickyByAddress?: boolean;
  /** Send requests whose sid names one of these nodes to it first (the owner hint). @default none */
  owners?: NginxOwner[];
}

/**
 * A real nginx in the foreground, round robin over `upstreams` (`host:port`), or
 * pinning each client address to one of them with `stickyByAddress`; with `owners`,
 * requests whose sid names a node go to that node first.
 */
export async function startNginx(upstreams: string[], options: StartNginxOptions = {}): Promise<TestNginx> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const prefix = tempDir('nginx');
  const logDir = join(prefix, 'logs');
  let owners = options.owners;
  const render = (list: string[]): string =>
    writeNginxConfig({
      prefix,
      port,
      upstreams: list,
      logDir,
      listenHost: host,
      daemon: false,
      stickyByAddress: options.stickyByAddress,
      owners,
    });
  const conf = render(upstreams);
  const proc = new ManagedProcess('nginx', 'nginx', ['-p', prefix, '-c', conf], {
    launcher: options.launcher,
  });
  const url = `http://${host}:${port}`;
  await proc.readyOrStopped(
    waitFor(
      `nginx on port ${port}`,
      async () => {
        if (!proc.running) throw new Error(`nginx exited:\n${proc.tail()}`);
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
        return true;
      },
      10_000,
      100,
    ),
  );
  const reload = async (next: string[], nextOwners = owners): Promise<void> => {
    owners = nextOwners;
    render(next);
    const before = workerPids(proc.pid);
    proc.kill('SIGHUP');
    // Reloaded once a new generation of workers is up.
    await waitFor('nginx to reload', () => workerPids(proc.pid).some((pid) => !before.includes(pid)), 10_000);
  };
  const accessLog = (): string[] => {
    try {
      return readFileSync(join(logDir, 'nginx-access.log'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { port, url, prefix, process: proc, reload, accessLog, stop: () => proc.stop() };
}

function workerPids(master: number | undefined): number[] {
  if (!master) return [];
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
