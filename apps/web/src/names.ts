// The same rules the server applies, checked here for an immediate, clear message.
const ROOM = /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u;
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;

/** Characters as people count them (an emoji is one). */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
function length(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

export function nicknameProblem(value: string): string | undefined {
  const name = value.trim();
  if (!name) return 'Please choose a nickname.';
  if (length(name) > 32) return 'A nickname has at most 32 characters.';
  if (!PRINTABLE.test(name)) return 'A nickname cannot contain control characters.';
  return undefined;
}

export function roomProblem(value: string): string | undefined {
  const room = value.trim();
  if (!room) return 'Type a room name.';
  if (length(room) > 64) return 'A room name has at most 64 characters.';
  if (!ROOM.test(room))
    return 'Use letters, digits, spaces, "_", "-" or ".", starting with a letter or digit.';
  return undefined;
}

const NICKNAME_KEY = 'ringchat.nickname';
const ROOMS_KEY = 'ringchat.rooms';

export const remembered = {
  nickname: (): string => localStorage.getItem(NICKNAME_KEY) ?? '',
  setNickname: (name: string): void => localStorage.setItem(NICKNAME_KEY, name),
  rooms: (): string[] => {
    try {
      const rooms = JSON.parse(localStorage.getItem(ROOMS_KEY) ?? '[]') as unknown;
      return Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === 'string') : [];
    } catch {
      return [];
    }
  },
  setRooms: (rooms: string[]): void => localStorage.setItem(ROOMS_KEY, JSON.stringify(rooms)),
};
