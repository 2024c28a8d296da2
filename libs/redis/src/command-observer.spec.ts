import { Command, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { observeCommands } from './command-observer.js';

/** A client that never connects: sendCommand settles each command as told, with no server. */
function offlineClient(settle: (command: Command) => void): Redis {
  const client = new Redis({ lazyConnect: true });
  client.sendCommand = ((command: Command) => {
    settle(command);
    return command.promise;
  }) as Redis['sendCommand'];
  return client;
}

/** Sends and waits for the command to settle, whichever way. */
async function send(client: Redis, command: Command): Promise<void> {
  void client.sendCommand(command);
  await command.promise.catch(() => undefined);
}

describe('observeCommands', () => {
  it('times each command once, and tells errors from replies, NOSCRIPT excepted', async () => {
    const client = offlineClient((command) => {
      if (command.name === 'get') command.resolve('v');
      else if (command.name === 'evalsha') command.reject(new Error('NOSCRIPT No matching script'));
      else command.reject(new Error('ERR wrong'));
    });
    const seen: Array<[string, boolean]> = [];
    observeCommands(client, {
      answered: (name, seconds, failed) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        seen.push([name, failed]);
      },
    });
    const get = new Command('get', ['k']);
    void client.sendCommand(get);
    // Flushed from the offline queue: the same command again, not timed twice.
    void client.sendCommand(get);
    await get.promise;
    await send(client, new Command('evalsha', ['x', 0]));
    await send(client, new Command('hset', []));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([
      ['get', false],
      ['evalsha', false],
      ['hset', true],
    ]);
    client.disconnect();
  });
});
