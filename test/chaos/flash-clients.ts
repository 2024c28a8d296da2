import { io } from 'socket.io-client';
import type { SeededRandom } from './random.js';

export type FlashVariant = 'handshake-resume' | 'resume' | 'join';
const VARIANTS: FlashVariant[] = ['handshake-resume', 'resume', 'join'];
const TRANSPORTS: Array<Array<'polling' | 'websocket'>> = [
  ['websocket'],
  ['polling'],
  ['polling', 'websocket'],
];

/** The display names used, so that a zombie in a members list can be told apart. */
export const FLASH_PREFIX = 'flash';

/**
 * Clients that leave in the middle of joining: each connects, asks for several
 * rooms (in the handshake's `auth.rooms`, with `resume`, or with `join room`s)
 * and closes 5–30 ms later, before the server is done. None of them may stay a member.
 * Resolves once all are closed; returns how many connected at all.
 */
export async function runFlashClients(
  url: string,
  rooms: string[],
  count: number,
  random: SeededRandom,
  serial: { next: number },
): Promise<number> {
  const runs = Array.from({ length: count }, () => {
    const variant = random.pick(VARIANTS);
    const picked = random.sample(rooms, random.int(3, Math.min(6, rooms.length)));
    const delayMs = random.int(5, 30);
    const name = `${FLASH_PREFIX}${serial.next++}-${variant}`;
    return flashOnce(url, name, variant, picked, delayMs, random.pick(TRANSPORTS));
  });
  return (await Promise.all(runs)).filter(Boolean).length;
}

function flashOnce(
  url: string,
  name: string,
  variant: FlashVariant,
  rooms: string[],
  delayMs: number,
  transports: Array<'polling' | 'websocket'>,
): Promise<boolean> {
  const asked = Object.fromEntries(rooms.map((room) => [room, null]));
  const socket = io(`${url}/chat`, {
    transports,
    reconnection: false,
    timeout: 5000,
    auth: variant === 'handshake-resume' ? { user: name, rooms: asked } : { user: name },
  });
  return new Promise((resolve) => {
    const giveUp = setTimeout(() => finish(false), 8000);
    const finish = (connected: boolean): void => {
      clearTimeout(giveUp);
      socket.close();
      resolve(connected);
    };
    socket.once('connect_error', () => finish(false));
    socket.once('connect', () => {
      if (variant === 'resume') socket.emit('resume', { rooms: asked });
      if (variant === 'join') for (const room of rooms) socket.emit('join room', { room });
      setTimeout(() => finish(true), delayMs);
    });
  });
}
