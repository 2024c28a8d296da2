import {
  newClientMsgId,
  RingchatClient,
  type ChatMessageEvent,
  type Member,
  type Participant,
  type RoomEvent,
  type RoomListing,
} from '@app/chat-client';
import { mentionsName } from '@app/chat-protocol';
import { Attention } from './attention.js';
import { ClusterPanel } from './cluster-panel.js';
import { ConnectionBanner } from './connection-banner.js';
import type { PresenceLine } from './conversation-rows.js';
import { byId, el } from './dom.js';
import { Drawers } from './drawers.js';
import { MessageList, type PendingMessage } from './message-list.js';
import { closeOnPageHide } from './page-exit.js';
import { remembered, roomProblem } from './names.js';
import { ParticipantLabels } from './participant-label.js';
import { RoomList } from './room-list.js';
import { setUpShortcuts } from './shortcuts.js';
import { typingLine } from './typing-line.js';
import { UndoToast } from './undo-toast.js';

type Transport = 'polling' | 'websocket';

/** The chat screen: rooms, conversation, members, connection and cluster state. */
export class ChatApp {
  private readonly client: RingchatClient;
  private readonly messages: MessageList;
  private readonly cluster: ClusterPanel;
  private readonly rooms: RoomList;
  private readonly drawers = new Drawers();
  private readonly banner = new ConnectionBanner();
  private readonly attention = new Attention();
  private readonly toast = new UndoToast();
  private active: string | null = null;
  private readonly unread = new Map<string, number>();
  private readonly pending = new Map<string, PendingMessage>();
  private readonly labels = new ParticipantLabels();
  /** Joins and leaves seen while the page is open, per room. */
  private readonly presence = new Map<string, PresenceLine[]>();
  /** When each joined room last saw a message (or was joined): the room list's order. */
  private readonly activity = new Map<string, number>();
  /** Rooms left but still undoable: hidden now, left when the toast ends. */
  private readonly leaving = new Set<string>();
  /** Direct rooms: the other person of each. */
  private readonly directs = new Map<string, Participant>();
  /** Direct rooms joined unasked (opened with me, or written to since I left): their messages after this time count as unread. */
  private readonly arriving = new Map<string, number>();
  /** The rooms this page rejoins at start (remembered by the browser): not new arrivals. */
  private readonly restoring = new Set(remembered.rooms());

  /** `signIn`: a nickname (guest mode) or a token (jwt mode, which names the user). */
  constructor(signIn: { nickname: string } | { token: string }, transports: Transport[] | undefined) {
    // The guest token stays in this browser: the next visit is the same guest, not a namesake.
    this.client = new RingchatClient(
      'token' in signIn
        ? { url: '', transports, getToken: () => signIn.token }
        : {
            url: '',
            user: signIn.nickname,
            transports,
            guestToken: remembered.guestToken(),
            onGuestToken: (token) => remembered.setGuestToken(token),
          },
    );
    this.messages = new MessageList(
      () => this.client.user,
      () => this.client.session?.userId,
      this.labels,
    );
    this.cluster = new ClusterPanel(() => this.client.session?.node);
    this.rooms = new RoomList({
      open: (room) => this.activate(room),
      leave: (room) => this.leaveWithUndo(room),
      join: (room) => void this.join(room).catch(() => undefined),
    });
    byId('me').textContent = 'nickname' in signIn ? `signed in as ${signIn.nickname}` : 'signing in…';
    this.wireClient();
    this.wireForms();
    this.wireKeys();
    closeOnPageHide(this.client);
    this.activate(null);
  }

  async start(): Promise<void> {
    this.cluster.start();
    for (const room of remembered.rooms()) await this.join(room).catch(() => undefined);
    this.restoring.clear();
    void this.refreshRooms();
    setInterval(() => {
      void this.refreshRooms();
      void this.renderMembers();
    }, 5000);
  }

  private wireClient(): void {
    const { client } = this;
    client.on('status', () => this.showStatus());
    client.on('session', (session) => {
      byId('me').textContent = `signed in as ${session.user}${session.guest ? ' (guest)' : ''}`;
      this.showStatus();
      // A new session may live on another node: the member list says where.
      void this.renderMembers();
      // The directory at once on sign-in, not at the next periodic refresh.
      void this.refreshRooms();
      client.socket.io.engine.on('upgrade', () => this.showStatus());
      void this.cluster.refresh();
    });
    client.on('message', (message) => this.onMessage(message));
    client.on('history', (event) => {
      // A resend that overlapped a resume is stored before the resume reads the room: it comes in here, not live.
      if (this.dropArrived(event.messages)) this.showStatus();
      const last = event.messages.at(-1);
      if (last) this.noteActivity(event.room, last.ts);
      const theirs = event.messages.filter((m) => !m.kind && m.userId !== client.session?.userId);
      const since = this.arriving.get(event.room);
      if (this.arriving.delete(event.room) && event.room !== this.active) {
        const unread = theirs.filter((m) => m.ts > (since ?? 0));
        this.bumpUnread(event.room, unread.length);
        const newest = unread.at(-1);
        if (newest) this.callAttention(newest);
      }
      if (event.room === this.active) this.renderActive();
      else if (event.recovered !== undefined) this.bumpUnread(event.room, theirs.length);
    });
    client.on('change', (change, changed) => {
      if (changed && change.room === this.active) this.messages.replace(changed);
    });
    client.on('typing', (room) => {
      if (room === this.active) this.showTyping();
    });
    client.on('rooms', (rooms) => this.onDirectory(rooms));
    // Someone opened a direct room with me: it joins my rooms at once, unread.
    client.on('direct', ({ room }) => void this.joinInBackground(room));
    client.on('retrying', ({ clientMsgId, reason }) => {
      const pending = this.pending.get(clientMsgId);
      if (!pending || pending.state === 'failed') return;
      pending.state = 'retrying';
      pending.error = reason === 'unavailable' ? '(chat storage unavailable)' : '';
      if (pending.room === this.active) this.renderActive();
    });
    client.on('join', (event) => this.onPresence(event, 'joined'));
    client.on('leave', (event) => this.onPresence(event, 'left'));
    addEventListener('online', () => this.showStatus());
    addEventListener('offline', () => this.showStatus());
  }

  private wireForms(): void {
    byId<HTMLFormElement>('join-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('room-name');
      const problem = roomProblem(input.value);
      byId('join-error').textContent = problem ?? '';
      if (problem) return;
      this.join(input.value.trim())
        .then(() => (input.value = ''))
        .catch((error: Error) => (byId('join-error').textContent = error.message));
    });
    const input = byId<HTMLTextAreaElement>('message');
    byId<HTMLFormElement>('send-form').addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.active || !input.value.trim()) return;
      this.send(this.active, input.value);
      input.value = '';
      fitToText(input);
    });
    // Enter sends, Shift+Enter starts a new line (and an IME's Enter confirms its text).
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      byId<HTMLFormElement>('send-form').requestSubmit();
    });
    input.addEventListener('input', () => {
      fitToText(input);
      if (!this.active) return;
      if (input.value.trim()) this.client.typing(this.active);
      else this.client.stopTyping(this.active);
    });
    byId('empty-join').addEventListener('click', () => this.drawers.open('sidebar', byId('room-name')));
    this.messages.onEdit((id, text) => this.change('edit', id, text));
    this.messages.onDelete((id) => this.change('delete', id));
    this.messages.onResend((clientMsgId) => {
      const failed = this.pending.get(clientMsgId);
      if (failed?.state === 'failed') this.send(failed.room, failed.text, clientMsgId);
    });
    this.messages.onLoadOlder(() => {
      const room = this.active;
      if (!room) return;
      void this.client.loadOlder(room).then(() => {
        if (room === this.active) this.renderActive(true);
      });
    });
  }

  private wireKeys(): void {
    setUpShortcuts({
      moveRoom: (step) => {
        const rooms = this.rooms.order;
        if (rooms.length === 0) return;
        const index = this.active ? rooms.indexOf(this.active) : -1;
        this.activate(rooms[(index + step + rooms.length) % rooms.length]);
      },
      focusFilter: () => {
        const filter = byId('room-filter');
        if (this.drawers.isOpen) filter.focus();
        else this.drawers.open('sidebar', filter);
        this.rooms.focusFilter();
      },
      closeOverlays: () => this.drawers.close(),
    });
  }

  private joinedRooms(): string[] {
    return [...this.client.rooms.keys()].filter((room) => !this.leaving.has(room));
  }

  private async join(room: string): Promise<void> {
    // Joining a room whose leave can still be undone is that undo.
    if (this.leaving.has(room)) {
      this.leaving.delete(room);
      this.toast.finish();
    }
    if (!this.client.rooms.has(room)) {
      await this.client.join(room);
      this.noteActivity(room, Date.now());
    }
    remembered.setRooms(this.joinedRooms());
    this.activate(room);
    void this.refreshRooms();
  }

  /** Joins a room without opening it: a direct room someone opened with me. */
  private async joinInBackground(room: string): Promise<void> {
    // After the running task: a direct room I open myself is announced just before I join it.
    await Promise.resolve();
    if (this.client.rooms.has(room) || this.leaving.has(room)) return;
    this.arriving.set(room, remembered.directsLeft()[room] ?? 0);
    try {
      await this.client.join(room);
    } catch {
      this.arriving.delete(room);
      return;
    }
    this.noteActivity(room, Date.now());
    remembered.setRooms(this.joinedRooms());
    this.renderRooms();
  }

  /** Opens (or finds) the direct room with a member, from their name. */
  private async openDirect(member: Member): Promise<void> {
    const direct = await this.client.openDirect(member.userId, member.user);
    this.directs.set(direct.room, direct.direct);
    this.noteActivity(direct.room, Date.now());
    remembered.setRooms(this.joinedRooms());
    this.activate(direct.room);
  }

  private onDirectory(rooms: RoomListing[]): void {
    const left = remembered.directsLeft();
    for (const listing of rooms) {
      if (listing.direct) this.directs.set(listing.room, listing.direct);
      // A direct room written to while I was away (or since I left it) joins my rooms, unread.
      const { room } = listing;
      const fresh = !this.client.rooms.has(room) && !this.restoring.has(room) && !this.leaving.has(room);
      if (listing.direct && fresh && listing.lastActivity > (left[room] ?? 0))
        void this.joinInBackground(room);
      if (listing.lastActivity > 0 && this.client.rooms.has(listing.room)) {
        this.noteActivity(listing.room, listing.lastActivity);
      }
    }
    this.rooms.showDirectory(rooms.filter((listing) => !listing.direct));
    this.renderRooms();
    if (this.active && this.directs.has(this.active))
      byId('room-title').textContent = this.titleOf(this.active);
  }

  /** Edits or deletes an own message; a refusal shows under the conversation. */
  private change(kind: 'edit' | 'delete', id: string, text = ''): void {
    const room = this.active;
    if (!room) return;
    const done =
      kind === 'edit' ? this.client.editMessage(room, id, text) : this.client.deleteMessage(room, id);
    byId('action-error').textContent = '';
    done.catch((error: Error) => {
      byId('action-error').textContent = `Could not ${kind} the message: ${error.message}`;
    });
  }

  /** Hides the room at once; leaves it for real when the Undo toast runs out. */
  private leaveWithUndo(room: string): void {
    this.leaving.add(room);
    remembered.setRooms(this.joinedRooms());
    if (this.active === room) this.activate(this.rooms.order.find((r) => r !== room) ?? null);
    else this.renderRooms();
    this.toast.show(
      `You left ${this.titleOf(room)}.`,
      () => {
        this.leaving.delete(room);
        remembered.setRooms(this.joinedRooms());
        this.activate(room);
      },
      () => {
        if (!this.leaving.delete(room)) return;
        this.unread.delete(room);
        this.presence.delete(room);
        void this.client.leave(room).finally(() => {
          // A direct room left comes back only with activity after this.
          if (this.directs.has(room)) remembered.setDirectLeft(room, Date.now());
          void this.refreshRooms();
        });
      },
    );
  }

  /** Sends `text`; again, with the same clientMsgId (stored once), for a failed one. */
  private send(room: string, text: string, clientMsgId = newClientMsgId()): void {
    const pending: PendingMessage = { clientMsgId, room, text, state: 'pending' };
    this.pending.set(clientMsgId, pending);
    if (room === this.active) this.renderActive();
    this.showStatus();
    this.client.send(room, text, clientMsgId).then(
      () => this.showStatus(),
      (error: Error) => {
        pending.state = 'failed';
        pending.error = error.message;
        if (room === this.active) this.renderActive();
        this.showStatus();
      },
    );
  }

  /** Drops the pending marks of own messages now shown in their room; true if there were any. */
  private dropArrived(messages: ChatMessageEvent[]): boolean {
    let dropped = false;
    for (const { clientMsgId } of messages) {
      if (clientMsgId !== undefined && this.pending.delete(clientMsgId)) dropped = true;
    }
    return dropped;
  }

  private onMessage(message: ChatMessageEvent): void {
    const wasPending = this.dropArrived([message]);
    this.noteActivity(message.room, message.ts);
    const own = message.userId === this.client.session?.userId;
    if (!own) this.callAttention(message);
    if (message.room !== this.active) {
      if (!this.leaving.has(message.room)) this.bumpUnread(message.room, 1);
      return;
    }
    if (wasPending) this.renderActive();
    else this.messages.append(message);
    this.renderRooms();
  }

  /** A mention of me, or a direct message, in a room I am not looking at: a desktop notification. */
  private callAttention(message: ChatMessageEvent): void {
    const lookingAtIt = message.room === this.active && document.visibilityState === 'visible';
    const direct = this.directs.has(message.room);
    if (lookingAtIt || message.kind || (!direct && !mentionsName(message.message, this.client.user))) return;
    const title = direct ? `${message.user} (direct message)` : `${message.user} in # ${message.room}`;
    this.attention.notify(title, message.message, message.id, () => this.activate(message.room));
  }

  private onPresence(event: RoomEvent, kind: PresenceLine['kind']): void {
    // Own joins and leaves are what I did: no line for them.
    if (event.userId !== this.client.session?.userId) {
      const line: PresenceLine = { ...event, kind, ts: Date.now() };
      const lines = this.presence.get(event.room) ?? [];
      lines.push(line);
      this.presence.set(event.room, lines);
      if (event.room === this.active) this.messages.appendPresence(line);
    }
    if (event.room === this.active) void this.renderMembers();
    void this.refreshRooms();
  }

  private activate(room: string | null): void {
    this.active = room;
    if (room) this.unread.delete(room);
    byId('room-title').textContent = room ? this.titleOf(room) : 'No room yet';
    byId('action-error').textContent = '';
    this.showTyping();
    byId('empty').hidden = room !== null;
    byId('messages-pane').hidden = room === null;
    byId('send-form').hidden = room === null;
    this.drawers.close(false);
    this.renderRooms();
    if (room) {
      this.renderActive();
      void this.renderMembers();
      byId('message').focus();
    } else {
      byId('members').replaceChildren();
      byId('member-count').textContent = '';
    }
    byId('members-empty').hidden = room !== null;
  }

  private renderActive(keepPosition = false): void {
    const view = this.active ? this.client.rooms.get(this.active) : undefined;
    if (!view) return;
    const pending = [...this.pending.values()].filter((p) => p.room === view.room);
    const presence = this.presence.get(view.room) ?? [];
    const directWith = this.directs.get(view.room)?.user;
    this.messages.render(view.messages, presence, pending, {
      title: this.titleOf(view.room),
      intro: directWith === undefined ? `# ${view.room}` : `your direct messages with ${directWith}`,
      more: view.more,
      gap: view.gap,
      keepPosition,
    });
  }

  private noteActivity(room: string, ts: number): void {
    if (ts > (this.activity.get(room) ?? 0)) this.activity.set(room, ts);
  }

  private bumpUnread(room: string, count: number): void {
    if (count <= 0) return;
    this.unread.set(room, (this.unread.get(room) ?? 0) + count);
    this.renderRooms();
  }

  private renderRooms(): void {
    const joined = this.joinedRooms().map((room) => ({
      room,
      directWith: this.directLabel(room),
      unread: this.unread.get(room) ?? 0,
      activity: this.activity.get(room) ?? 0,
    }));
    this.rooms.showJoined(joined, this.active);
    this.attention.setUnread(joined.reduce((total, r) => total + r.unread, 0));
  }

  /** Asks for the rooms list again; the answer arrives as a `rooms` event. */
  private async refreshRooms(): Promise<void> {
    if (this.client.status !== 'connected') return;
    await this.client.roomList().catch(() => undefined);
  }

  /** The other person's name, for a direct room (a placeholder until the rooms list names them). */
  private directLabel(room: string): string | undefined {
    if (this.directs.has(room)) return this.directs.get(room)?.user;
    return room.startsWith('dm.') ? 'someone' : undefined;
  }

  /** "# lobby", or "@bob" for the direct room with bob. */
  private titleOf(room: string): string {
    const directWith = this.directLabel(room);
    return directWith === undefined ? `# ${room}` : `@${directWith}`;
  }

  private showTyping(): void {
    const typists = this.active ? this.client.typists(this.active) : [];
    byId('typing').textContent = typingLine(typists.map((t) => t.user));
  }

  private async renderMembers(): Promise<void> {
    const room = this.active;
    if (!room) return;
    const members = await this.client.members(room).catch(() => undefined);
    if (!members || room !== this.active) return;
    for (const member of members) this.labels.note(member);
    byId('member-count').textContent = String(members.length);
    byId('members').replaceChildren(...members.map((m) => this.memberItem(m)));
  }

  /** A member; another person's name is a button that opens the direct room with them. */
  private memberItem(member: Member): HTMLLIElement {
    const label = this.labels.label(member, 'name');
    let name: HTMLElement = label;
    if (member.userId !== this.client.session?.userId && !this.directs.has(this.active ?? '')) {
      name = el('button', { className: 'member-name', title: `Write to ${member.user} directly` }, label);
      name.addEventListener('click', () => void this.openDirect(member).catch(() => undefined));
    }
    return el(
      'li',
      { data: { user: member.user, userId: member.userId } },
      name,
      el('span', { className: 'node' }, member.node),
    );
  }

  private showStatus(): void {
    const chip = byId('status');
    const { status, session } = this.client;
    chip.dataset.state = status;
    if (status === 'connected') {
      const transport = this.client.socket.io.engine?.transport?.name ?? '';
      chip.dataset.transport = transport;
      chip.dataset.node = session?.node ?? '';
      // The details give way on a narrow screen; the state stays.
      chip.replaceChildren(
        'connected',
        el('span', { className: 'detail' }, ` · ${transport} · ${session?.node ?? '?'}`),
      );
    } else {
      chip.textContent = status === 'offline' ? 'offline' : 'reconnecting…';
    }
    const waiting = [...this.pending.values()].filter((p) => p.state !== 'failed').length;
    this.banner.show(status, navigator.onLine, waiting);
  }
}

/** The message box grows with its text, up to a few lines (then it scrolls). */
function fitToText(input: HTMLTextAreaElement): void {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}
