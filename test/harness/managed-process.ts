import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from './wait.js';

/** Every process the tests start, so a crashed test run still cleans up. */
const live = new Set<ManagedProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ManagedProcessOptions extends SpawnOptions {
  /**
   * A command that runs the process, e.g. `['ip', 'netns', 'exec', 'lab-n1']` to
   * start it inside a network namespace. It must exec the process (not fork), so
   * signals reach it. @default none
   */
  launcher?: string[];
}

/**
 * A child process whose output lines are kept for assertions, which is
 * killed when the test process exits, and which can be stopped and awaited.
 */
export class ManagedProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    { launcher = [], ...options }: ManagedProcessOptions = {},
  ) {
    const [program, ...programArgs] = [...launcher, command, ...args] as [string, ...string[]];
    this.child = spawn(program, programArgs, {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.lines.push(line));
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once('error', () => {
        live.delete(this);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  output(): string {
    return this.lines.join('\n');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Waits for an output line matching `pattern`; fails early if the process exits. */
  async waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return waitFor(
      `${this.name} to log ${pattern}`,
      () => {
        const line = this.lines.find((candidate) => pattern.test(candidate));
        if (!line && !this.running) throw new Error(`${this.name} exited:\n${this.tail()}`);
        return line;
      },
      timeoutMs,
    );
  }

  /**
   * Waits for `ready` (the process answering); when it fails, stops the process
   * before passing the failure on, so a start that fails leaves nothing running.
   */
  async readyOrStopped<T>(ready: Promise<T>): Promise<T> {
    try {
      return await ready;
    } catch (error) {
      await this.stop(2000);
      throw error;
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 8000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }
}
