import { CHAT_LIMITS, PRINTABLE_PATTERN, ROOM_NAME_PATTERN } from '@app/chat-protocol';

// The server's rules, checked here for an immediate, clear message.

/** Characters as people count them (an emoji is one). */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
function length(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

/** The first character as people see it (an emoji, a letter with its accents), or ''. */
export function firstCharacter(text: string): string {
  for (const { segment } of graphemes.segment(text)) return segment;
  return '';
}

export function nicknameProblem(value: string): string | undefined {
  const name = value.trim();
  if (!name) return 'Please choose a nickname.';
  if (length(name) > CHAT_LIMITS.userMaxLength)
    return `A nickname has at most ${CHAT_LIMITS.userMaxLength} characters.`;
  if (!PRINTABLE_PATTERN.test(name)) return 'A nickname cannot contain control characters.';
  return undefined;
}

export function roomProblem(value: string): string | undefined {
  const room = value.trim();
  if (!room) return 'Type a room name.';
  if (length(room) > CHAT_LIMITS.roomMaxLength)
    return `A room name has at most ${CHAT_LIMITS.roomMaxLength} characters.`;
  if (!ROOM_NAME_PATTERN.test(room))
    return 'Use letters, digits, spaces, "_", "-" or ".", starting with a letter or digit.';
  return undefined;
}

const NICKNAME_KEY = 'ringchat.nickname';
const ROOMS_KEY = 'ringchat.rooms';
const GUEST_KEY = 'ringchat.guest';
const DIRECTS_LEFT_KEY = 'ringchat.directsLeft';

export const remembered = {
  nickname: (): string => localStorage.getItem(NICKNAME_KEY) ?? '',
  setNickname: (name: string): void => localStorage.setItem(NICKNAME_KEY, name),
  rooms: (): string[] => {
    const rooms = stored(ROOMS_KEY);
    return Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === 'string') : [];
  },
  setRooms: (rooms: string[]): void => localStorage.setItem(ROOMS_KEY, JSON.stringify(rooms)),
  /** The signed guest identity the server issued this browser, kept across visits. */
  guestToken: (): string | undefined => localStorage.getItem(GUEST_KEY) ?? undefined,
  setGuestToken: (token: string): void => localStorage.setItem(GUEST_KEY, token),
  /** When each direct room was left (ms): it comes back only with newer activity. */
  directsLeft: (): Record<string, number> => {
    const left = stored(DIRECTS_LEFT_KEY);
    return typeof left === 'object' && left !== null && !Array.isArray(left)
      ? (left as Record<string, number>)
      : {};
  },
  setDirectLeft: (room: string, at: number): void =>
    localStorage.setItem(DIRECTS_LEFT_KEY, JSON.stringify({ ...remembered.directsLeft(), [room]: at })),
};

/** A JSON value this browser kept, or undefined if missing or unreadable. */
function stored(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') as unknown;
  } catch {
    return undefined;
  }
}
