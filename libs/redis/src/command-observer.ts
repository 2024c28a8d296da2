import type { Command } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** What a node's metrics learn of each Redis command. Called synchronously; must be cheap. */
export interface CommandObserver {
  /** `name` (lower case, e.g. `evalsha`) answered after `seconds`; `failed` when it was an error. */
  answered(name: string, seconds: number, failed: boolean): void;
}

/**
 * A reply that is part of the protocol, not a failure: a script Redis forgot
 * after a restart is loaded again with EVAL (see LuaScript).
 */
const EXPECTED_ERRORS = /^NOSCRIPT\b/;

/**
 * Marks a command already timed. A mark on the command, not a WeakSet: V8's
 * young-generation GC keeps a WeakSet's entries alive, so every command (its
 * arguments, its reply) would be promoted to the old generation.
 */
const TIMED = Symbol('ringchat.commandTimed');

/**
 * Times every command `client` sends, from the call until its reply, and tells
 * `observer`. ioredis has no command hook, so its one entry point, `sendCommand`,
 * is wrapped on this instance only (for the client's whole life); a command
 * queued while offline passes it again when it is flushed and is timed once,
 * from its first call.
 */
export function observeCommands(client: RedisClient, observer: CommandObserver): void {
  // One Redis and the cluster client both funnel every command through sendCommand.
  const target = client as { sendCommand: (command: Command, ...rest: unknown[]) => unknown };
  const send = target.sendCommand.bind(client);
  target.sendCommand = (command, ...rest) => {
    const marked = command as Command & { [TIMED]?: true };
    if (!marked[TIMED]) {
      marked[TIMED] = true;
      const started = performance.now();
      const name = String(command.name).toLowerCase();
      const done = (failed: boolean): void =>
        observer.answered(name, (performance.now() - started) / 1000, failed);
      // A branch of its own: the caller still sees (and handles) the rejection.
      command.promise.then(
        () => done(false),
        (error: unknown) => done(!(error instanceof Error && EXPECTED_ERRORS.test(error.message))),
      );
    }
    return send(command, ...rest);
  };
}
