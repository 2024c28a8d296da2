import type { RoomSummary } from '@app/chat-client';
import { byId, el } from './dom.js';

export interface JoinedRoom {
  room: string;
  /** Direct rooms: the other person's name (the room's own name is a digest). */
  directWith?: string;
  unread: number;
  /** ms of the newest message (or of joining): the list's order, newest first. */
  activity: number;
}

export interface RoomListActions {
  open: (room: string) => void;
  leave: (room: string) => void;
  join: (room: string) => void;
}

/**
 * The sidebar's rooms: the joined ones by latest activity with unread badges,
 * then the directory's other rooms (each room listed once), both narrowed by
 * the filter box.
 */
export class RoomList {
  private readonly filter = byId<HTMLInputElement>('room-filter');
  private joined: JoinedRoom[] = [];
  private directory: RoomSummary[] = [];
  private active: string | null = null;

  constructor(private readonly actions: RoomListActions) {
    this.filter.addEventListener('input', () => this.draw());
  }

  focusFilter(): void {
    this.filter.focus();
    this.filter.select();
  }

  /** The joined rooms, newest activity first: the order Alt+↑/↓ walks. */
  get order(): string[] {
    return this.sorted().map((r) => r.room);
  }

  showJoined(joined: JoinedRoom[], active: string | null): void {
    this.joined = joined;
    this.active = active;
    this.draw();
  }

  showDirectory(rooms: RoomSummary[]): void {
    this.directory = rooms;
    this.draw();
  }

  private sorted(): JoinedRoom[] {
    return [...this.joined].sort((a, b) => b.activity - a.activity || a.room.localeCompare(b.room));
  }

  private draw(): void {
    const query = this.filter.value.trim().toLocaleLowerCase();
    const matches = (room: string): boolean => room.toLocaleLowerCase().includes(query);
    const joined = this.sorted().filter((r) => matches(r.directWith ?? r.room));
    const rooms = joined.filter((r) => !r.directWith);
    byId('joined-rooms').replaceChildren(...rooms.map((r) => this.joinedItem(r)));
    byId('joined-empty').hidden = this.joined.some((r) => !r.directWith);
    const directs = joined.filter((r) => r.directWith);
    byId('direct-rooms').replaceChildren(...directs.map((r) => this.joinedItem(r)));
    byId('direct-empty').hidden = directs.length > 0;
    const mine = new Set(this.joined.map((r) => r.room));
    const others = this.directory.filter((r) => !mine.has(r.room) && matches(r.room));
    byId('all-rooms').replaceChildren(...others.map((r) => this.directoryItem(r)));
    byId('all-rooms-empty').hidden = others.length > 0;
    byId('all-rooms-empty').textContent = query ? `No other room matches "${query}".` : 'No other rooms yet.';
  }

  private joinedItem({ room, unread, directWith }: JoinedRoom): HTMLLIElement {
    const data: Record<string, string> = directWith === undefined ? { room } : { room, directWith };
    const open = el(
      'button',
      { attrs: { 'aria-current': String(room === this.active) }, data },
      el('span', { className: 'name' }, directWith === undefined ? `# ${room}` : `@${directWith}`),
      unread > 0
        ? el('span', { className: 'badge', attrs: { 'aria-label': `${unread} unread` } }, String(unread))
        : null,
    );
    open.addEventListener('click', () => this.actions.open(room));
    const name = directWith === undefined ? room : `direct messages with ${directWith}`;
    const leave = el(
      'button',
      { className: 'leave', title: `Leave ${name}`, attrs: { 'aria-label': `Leave ${name}` } },
      '×',
    );
    leave.addEventListener('click', () => this.actions.leave(room));
    return el('li', { className: 'room-entry' }, open, leave);
  }

  private directoryItem({ room, members }: RoomSummary): HTMLLIElement {
    const button = el(
      'button',
      { data: { room }, title: `Join ${room}` },
      el('span', { className: 'name' }, `# ${room}`),
      el(
        'span',
        { className: 'count' },
        String(members),
        el('span', { className: 'visually-hidden' }, members === 1 ? ' member' : ' members'),
      ),
    );
    button.addEventListener('click', () => this.actions.join(room));
    return el('li', {}, button);
  }
}
