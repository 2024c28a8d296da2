import type { ChatMessageEvent } from '@app/chat-client';
import { byId, clockTime, el } from './dom.js';
import type { ParticipantLabels } from './participant-label.js';

export interface PendingMessage {
  clientMsgId: string;
  room: string;
  text: string;
  /** `retrying`: refused for now (e.g. the chat store is away) and going again by itself. */
  state: 'pending' | 'retrying' | 'failed';
  /** Why it is retrying, or why it failed. */
  error?: string;
}

/** The active room's conversation: stored messages, then the user's pending ones. */
export class MessageList {
  private readonly pane = byId('messages-pane');
  private readonly list = byId<HTMLOListElement>('messages');
  private readonly jump = byId<HTMLButtonElement>('jump');
  private readonly older = byId<HTMLButtonElement>('load-older');
  private readonly gapNote = byId('gap-note');

  /** `me`: the display name, `myId` the identity, as the server last said them. */
  constructor(
    private readonly me: () => string,
    private readonly myId: () => string | undefined,
    private readonly labels: ParticipantLabels,
  ) {
    this.pane.addEventListener('scroll', () => {
      if (this.nearBottom()) this.jump.hidden = true;
    });
    this.jump.addEventListener('click', () => this.scrollToBottom());
  }

  onLoadOlder(handler: () => void): void {
    this.older.addEventListener('click', handler);
  }

  /** The user asks to send a failed message again. */
  onResend(handler: (clientMsgId: string) => void): void {
    this.list.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.resend');
      const id = button?.closest<HTMLElement>('[data-pending]')?.dataset.pending;
      if (id) handler(id);
    });
  }

  /** Draws a room from scratch (on switching rooms, or after older messages arrived). */
  render(
    messages: ChatMessageEvent[],
    pending: PendingMessage[],
    options: { more: boolean; gap: boolean; keepPosition?: boolean },
  ): void {
    const fromBottom = this.pane.scrollHeight - this.pane.scrollTop;
    // Every author first: a name two people share is marked on all their messages.
    for (const message of messages) this.labels.note(message);
    this.list.replaceChildren(
      ...messages.map((m) => this.messageItem(m)),
      ...pending.map((p) => this.pendingItem(p)),
    );
    this.older.hidden = !options.more;
    this.gapNote.hidden = !options.gap;
    if (options.keepPosition) this.pane.scrollTop = this.pane.scrollHeight - fromBottom;
    else this.scrollToBottom();
  }

  /** Adds a live message without moving a reader who scrolled up. */
  append(message: ChatMessageEvent): void {
    const follow = this.nearBottom() || this.isOwn(message);
    const firstPending = this.list.querySelector('[data-pending]');
    this.list.insertBefore(this.messageItem(message), firstPending);
    if (follow) this.scrollToBottom();
    else this.jump.hidden = false;
  }

  private messageItem(message: ChatMessageEvent): HTMLLIElement {
    const own = this.isOwn(message);
    const data = { id: message.id, user: message.user, userId: message.userId };
    return el(
      'li',
      { className: own ? 'message own' : 'message', data },
      el(
        'header',
        {},
        this.labels.label(message),
        el('time', { attrs: { datetime: new Date(message.ts).toISOString() } }, clockTime(message.ts)),
      ),
      el('div', { className: 'text' }, message.message),
    );
  }

  /** Own by identity: another person who picked the same name is not me. */
  private isOwn(message: ChatMessageEvent): boolean {
    return message.userId === this.myId();
  }

  private pendingItem(pending: PendingMessage): HTMLLIElement {
    const state = {
      pending: 'sending…',
      retrying: `retrying… ${pending.error ?? ''}`.trim(),
      failed: `not sent: ${pending.error ?? 'error'}`,
    }[pending.state];
    const resend =
      pending.state === 'failed'
        ? el('button', { className: 'resend', attrs: { type: 'button' } }, 'send again')
        : null;
    return el(
      'li',
      { className: `message own ${pending.state}`, data: { pending: pending.clientMsgId } },
      el(
        'header',
        {},
        el('span', { className: 'author' }, this.me()),
        el('span', { className: 'state' }, state),
        resend,
      ),
      el('div', { className: 'text' }, pending.text),
    );
  }

  private nearBottom(): boolean {
    return this.pane.scrollHeight - this.pane.scrollTop - this.pane.clientHeight < 80;
  }

  private scrollToBottom(): void {
    this.pane.scrollTop = this.pane.scrollHeight;
    this.jump.hidden = true;
  }
}
