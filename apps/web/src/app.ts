import { newClientMsgId, RingchatClient, type ChatMessageEvent, type RoomEvent } from '@app/chat-client';
import { ClusterPanel } from './cluster-panel.js';
import { byId, el } from './dom.js';
import { MessageList, type PendingMessage } from './message-list.js';
import { closeOnPageHide } from './page-exit.js';
import { remembered, roomProblem } from './names.js';
import { ParticipantLabels } from './participant-label.js';

type Transport = 'polling' | 'websocket';

/** The chat screen: rooms, conversation, members, connection and cluster state. */
export class ChatApp {
  private readonly client: RingchatClient;
  private readonly messages: MessageList;
  private readonly cluster: ClusterPanel;
  private active: string | null = null;
  private readonly unread = new Map<string, number>();
  private readonly pending = new Map<string, PendingMessage>();
  private readonly labels = new ParticipantLabels();

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
    byId('me').textContent = 'nickname' in signIn ? `signed in as ${signIn.nickname}` : 'signing in…';
    this.wireClient();
    this.wireForms();
    closeOnPageHide(this.client);
  }

  async start(): Promise<void> {
    this.cluster.start();
    for (const room of remembered.rooms()) await this.join(room).catch(() => undefined);
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
      client.socket.io.engine.on('upgrade', () => this.showStatus());
      void this.cluster.refresh();
    });
    client.on('message', (message) => this.onMessage(message));
    client.on('history', (event) => {
      if (event.room === this.active) this.renderActive();
      else if (event.recovered !== undefined) this.bumpUnread(event.room, event.messages.length);
    });
    client.on('retrying', ({ clientMsgId, reason }) => {
      const pending = this.pending.get(clientMsgId);
      if (!pending || pending.state === 'failed') return;
      pending.state = 'retrying';
      pending.error = reason === 'unavailable' ? '(chat storage unavailable)' : '';
      if (pending.room === this.active) this.renderActive();
    });
    client.on('join', (event) => this.onPresence(event));
    client.on('leave', (event) => this.onPresence(event));
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
    byId<HTMLFormElement>('send-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('message');
      if (!this.active || !input.value.trim()) return;
      this.send(this.active, input.value);
      input.value = '';
    });
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
    // Alt+↑ / Alt+↓ walk through the joined rooms.
    document.addEventListener('keydown', (event) => {
      if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
      const rooms = [...this.client.rooms.keys()];
      if (rooms.length === 0) return;
      event.preventDefault();
      const index = this.active ? rooms.indexOf(this.active) : -1;
      const next = (index + (event.key === 'ArrowDown' ? 1 : -1) + rooms.length) % rooms.length;
      this.activate(rooms[next]);
    });
    const toggle = byId<HTMLButtonElement>('toggle-sidebar');
    toggle.addEventListener('click', () => {
      const open = byId('sidebar').classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
    });
  }

  private async join(room: string): Promise<void> {
    await this.client.join(room);
    remembered.setRooms([...this.client.rooms.keys()]);
    this.activate(room);
    void this.refreshRooms();
  }

  private async leave(room: string): Promise<void> {
    await this.client.leave(room);
    remembered.setRooms([...this.client.rooms.keys()]);
    this.unread.delete(room);
    if (this.active === room) this.activate([...this.client.rooms.keys()][0] ?? null);
    else this.renderRooms();
    void this.refreshRooms();
  }

  /** Sends `text`; again, with the same clientMsgId (stored once), for a failed one. */
  private send(room: string, text: string, clientMsgId = newClientMsgId()): void {
    const pending: PendingMessage = { clientMsgId, room, text, state: 'pending' };
    this.pending.set(clientMsgId, pending);
    if (room === this.active) this.renderActive();
    this.client.send(room, text, clientMsgId).catch((error: Error) => {
      pending.state = 'failed';
      pending.error = error.message;
      if (room === this.active) this.renderActive();
    });
  }

  private onMessage(message: ChatMessageEvent): void {
    const wasPending = message.clientMsgId !== undefined && this.pending.delete(message.clientMsgId);
    if (message.room !== this.active) {
      this.bumpUnread(message.room, 1);
      return;
    }
    if (wasPending) this.renderActive();
    else this.messages.append(message);
  }

  private onPresence(event: RoomEvent): void {
    if (event.room === this.active) void this.renderMembers();
    void this.refreshRooms();
  }

  private activate(room: string | null): void {
    this.active = room;
    if (room) this.unread.delete(room);
    byId('room-title').textContent = room ? `# ${room}` : '';
    byId('empty').hidden = room !== null;
    byId('messages-pane').hidden = room === null;
    byId('send-form').hidden = room === null;
    byId('sidebar').classList.remove('open');
    this.renderRooms();
    if (room) {
      this.renderActive();
      void this.renderMembers();
      byId<HTMLInputElement>('message').focus();
    } else {
      byId('members').replaceChildren();
    }
  }

  private renderActive(keepPosition = false): void {
    const view = this.active ? this.client.rooms.get(this.active) : undefined;
    if (!view) return;
    const pending = [...this.pending.values()].filter((p) => p.room === view.room);
    this.messages.render(view.messages, pending, { more: view.more, gap: view.gap, keepPosition });
  }

  private bumpUnread(room: string, count: number): void {
    if (count <= 0) return;
    this.unread.set(room, (this.unread.get(room) ?? 0) + count);
    this.renderRooms();
  }

  private renderRooms(): void {
    const items = [...this.client.rooms.keys()].map((room) => {
      const unread = this.unread.get(room) ?? 0;
      const open = el(
        'button',
        { attrs: { 'aria-current': String(room === this.active) }, data: { room } },
        el('span', { className: 'name' }, `# ${room}`),
        unread > 0
          ? el('span', { className: 'badge', attrs: { 'aria-label': `${unread} unread` } }, String(unread))
          : null,
      );
      open.addEventListener('click', () => this.activate(room));
      const leave = el(
        'button',
        { className: 'leave', title: `Leave ${room}`, attrs: { 'aria-label': `Leave ${room}` } },
        '×',
      );
      leave.addEventListener('click', () => void this.leave(room));
      return el('li', { className: 'room-entry' }, open, leave);
    });
    byId('joined-rooms').replaceChildren(...items);
  }

  private async refreshRooms(): Promise<void> {
    if (this.client.status !== 'connected') return;
    const rooms = await this.client.listRooms().catch(() => undefined);
    if (!rooms) return;
    const items = rooms.map(({ room, members }) => {
      const button = el(
        'button',
        { data: { room } },
        el('span', { className: 'name' }, `# ${room}`),
        el('span', { className: 'count', attrs: { 'aria-label': `${members} members` } }, String(members)),
      );
      button.addEventListener('click', () => void this.join(room));
      return el('li', {}, button);
    });
    byId('all-rooms').replaceChildren(...items);
  }

  private async renderMembers(): Promise<void> {
    const room = this.active;
    if (!room) return;
    const members = await this.client.members(room).catch(() => undefined);
    if (!members || room !== this.active) return;
    for (const member of members) this.labels.note(member);
    byId('members').replaceChildren(
      ...members.map((m) =>
        el(
          'li',
          { data: { user: m.user, userId: m.userId } },
          this.labels.label(m, 'name'),
          el('span', { className: 'node' }, m.node),
        ),
      ),
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
      chip.textContent = `connected · ${transport} · ${session?.node ?? '?'}`;
    } else {
      chip.textContent = status === 'offline' ? 'offline' : 'reconnecting…';
    }
  }
}
