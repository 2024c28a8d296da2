import type { ChatMessageEvent } from '@app/chat-client';
import {
  placeEntry,
  mergeByTime,
  type ConversationRow,
  type PresenceLine,
  type RowsTail,
} from './conversation-rows.js';
import { byId, el } from './dom.js';
import { firstCharacter } from './names.js';
import type { ParticipantLabels } from './participant-label.js';
import { richText } from './rich-text.js';
import { clockTime, dayLabel, fullDateTime } from './time-format.js';

export interface PendingMessage {
  clientMsgId: string;
  room: string;
  text: string;
  /** `retrying`: refused for now (e.g. the chat store is away) and going again by itself. */
  state: 'pending' | 'retrying' | 'failed';
  /** Why it is retrying, or why it failed. */
  error?: string;
}

export interface RenderOptions {
  /** The room as headings show it: "# lobby", or "@bob" for direct messages. */
  title: string;
  /** What the intro calls the room: "# lobby", or "your direct messages with bob". */
  intro: string;
  more: boolean;
  gap: boolean;
  keepPosition?: boolean;
}

/**
 * The active room's conversation: day separators, messages grouped by author,
 * join and leave lines, then the user's pending messages.
 */
export class MessageList {
  private readonly pane = byId('messages-pane');
  private readonly list = byId<HTMLOListElement>('messages');
  private readonly jump = byId<HTMLButtonElement>('jump');
  private readonly older = byId<HTMLButtonElement>('load-older');
  private readonly gapNote = byId('gap-note');
  private tail: RowsTail = {};
  private editHandler: (id: string, text: string) => void = () => undefined;

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
    this.list.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.edit');
      const item = button?.closest<HTMLLIElement>('li.message');
      if (item) this.startEditing(item);
    });
  }

  onLoadOlder(handler: () => void): void {
    this.older.addEventListener('click', handler);
  }

  /** The author saves new text for a message. */
  onEdit(handler: (id: string, text: string) => void): void {
    this.editHandler = handler;
  }

  /** The author deletes a message. */
  onDelete(handler: (id: string) => void): void {
    this.list.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.delete');
      const id = button?.closest<HTMLElement>('li.message')?.dataset.id;
      if (id) handler(id);
    });
  }

  /** Draws a message again after an edit or a delete, in its place. */
  replace(message: ChatMessageEvent): void {
    const item = this.list.querySelector<HTMLLIElement>(`li.message[data-id="${CSS.escape(message.id)}"]`);
    item?.replaceWith(this.messageItem(message, item.classList.contains('continued')));
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
    presence: PresenceLine[],
    pending: PendingMessage[],
    options: RenderOptions,
  ): void {
    const fromBottom = this.pane.scrollHeight - this.pane.scrollTop;
    // Every author first: a name two people share is marked on all their messages.
    for (const message of messages) this.labels.note(message);
    this.tail = {};
    const rows = mergeByTime(messages, presence).flatMap((entry) => placeEntry(this.tail, entry));
    this.list.replaceChildren(
      ...(options.more ? [] : [this.intro(options, messages.length === 0)]),
      ...rows.map((row) => this.rowItem(row)),
      ...pending.map((p) => this.pendingItem(p)),
    );
    this.older.hidden = !options.more;
    this.gapNote.hidden = !options.gap;
    if (options.keepPosition) this.pane.scrollTop = this.pane.scrollHeight - fromBottom;
    else this.scrollToBottom();
  }

  /** Adds a live message without moving a reader who scrolled up. */
  append(message: ChatMessageEvent): void {
    this.list.querySelector('.intro .hint')?.remove();
    this.insert(
      placeEntry(this.tail, { type: 'message', message }),
      this.nearBottom() || this.isOwn(message),
    );
  }

  /** Adds a live "joined" or "left" line. */
  appendPresence(line: PresenceLine): void {
    this.insert(placeEntry(this.tail, { type: 'presence', line }), this.nearBottom());
  }

  private insert(rows: ConversationRow[], follow: boolean): void {
    const firstPending = this.list.querySelector('[data-pending]');
    for (const row of rows) this.list.insertBefore(this.rowItem(row), firstPending);
    if (follow) this.scrollToBottom();
    else this.jump.hidden = false;
  }

  private intro({ title, intro }: RenderOptions, empty: boolean): HTMLLIElement {
    return el(
      'li',
      { className: 'intro' },
      el('strong', {}, title),
      el('span', {}, `This is the start of ${intro}.`),
      empty ? el('span', { className: 'hint' }, 'No messages yet: say hello below.') : null,
    );
  }

  private rowItem(row: ConversationRow): HTMLLIElement {
    if (row.kind === 'day') {
      return el('li', { className: 'day' }, el('span', {}, dayLabel(row.ts)));
    }
    if (row.kind === 'presence') return this.presenceItem(row.line);
    return this.messageItem(row.message, row.continued);
  }

  private presenceItem(line: PresenceLine): HTMLLIElement {
    return el(
      'li',
      { className: `event ${line.kind}`, data: { user: line.user, userId: line.userId } },
      this.labels.label(line, 'who'),
      ` ${line.kind} · `,
      this.timeOf(line.ts),
    );
  }

  private messageItem(message: ChatMessageEvent, continued: boolean): HTMLLIElement {
    const own = this.isOwn(message);
    const data = { id: message.id, user: message.user, userId: message.userId };
    const classes = [
      'message',
      own ? 'own' : '',
      continued ? 'continued' : '',
      message.deleted ? 'deleted' : '',
    ];
    const author = this.labels.label(message);
    // Under the run's header already: the name is left for screen readers only.
    if (continued) author.classList.add('visually-hidden');
    return el(
      'li',
      { className: classes.filter(Boolean).join(' '), data },
      avatar(message.user, message.userId),
      el('header', {}, author, this.timeOf(message.ts)),
      this.textOf(message),
      own && !message.deleted ? this.actions() : null,
    );
  }

  /** The text, or what became of it: "edited" (when, on hover), or deleted. */
  private textOf(message: ChatMessageEvent): HTMLDivElement {
    if (message.deleted) return el('div', { className: 'text gone' }, 'This message was deleted.');
    const editedAt = message.edited ? Number.parseInt(message.edited, 10) : NaN;
    return el(
      'div',
      { className: 'text' },
      richText(message.message, this.me()),
      message.edited
        ? el(
            'span',
            { className: 'edited', title: Number.isNaN(editedAt) ? '' : `edited ${fullDateTime(editedAt)}` },
            ' (edited)',
          )
        : null,
    );
  }

  /** Edit and Delete for the author: shown on hover, and in the tab order for the keyboard. */
  private actions(): HTMLDivElement {
    return el(
      'div',
      { className: 'actions' },
      el('button', { className: 'edit', attrs: { type: 'button' } }, 'Edit'),
      el('button', { className: 'delete', attrs: { type: 'button' } }, 'Delete'),
    );
  }

  /** Swaps a message's text for a box with it: Enter (or Save) saves, Esc (or Cancel) gives up. */
  private startEditing(item: HTMLLIElement): void {
    const id = item.dataset.id;
    const text = item.querySelector<HTMLElement>('.text');
    if (!id || !text || item.querySelector('.editor')) return;
    const original = [...text.childNodes]
      .filter((node) => !(node instanceof HTMLElement && node.classList.contains('edited')))
      .map((node) => node.textContent)
      .join('');
    const input = el('textarea', { attrs: { 'aria-label': 'Edit message', rows: '2', maxlength: '2000' } });
    input.value = original;
    const save = el('button', { attrs: { type: 'submit' } }, 'Save');
    const cancel = el('button', { className: 'quiet', attrs: { type: 'button' } }, 'Cancel');
    const editor = el('form', { className: 'editor' }, input, el('div', { className: 'row' }, save, cancel));
    const close = (): void => {
      editor.replaceWith(text);
      item.querySelector<HTMLButtonElement>('button.edit')?.focus();
    };
    editor.addEventListener('submit', (event) => {
      event.preventDefault();
      const changed = input.value.trim() !== '' && input.value !== original;
      close();
      if (changed) this.editHandler(id, input.value);
    });
    cancel.addEventListener('click', close);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        close();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      }
    });
    text.replaceWith(editor);
    input.focus();
  }

  /** A short time, with the whole date and time on hover. */
  private timeOf(ts: number): HTMLTimeElement {
    const iso = new Date(ts).toISOString();
    return el('time', { title: fullDateTime(ts), attrs: { datetime: iso } }, clockTime(ts));
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
      avatar(this.me(), this.myId() ?? ''),
      el(
        'header',
        {},
        el('span', { className: 'author' }, this.me()),
        el('span', { className: 'state' }, state),
        resend,
      ),
      el('div', { className: 'text' }, richText(pending.text, this.me())),
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

/** The author's initial on a colour of their own (by identity): decoration only. */
function avatar(user: string, userId: string): HTMLSpanElement {
  let hash = 0;
  for (const char of userId || user) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const initial = firstCharacter(user.trim()).toLocaleUpperCase() || '?';
  return el('span', { className: `avatar hue-${hash % 8}`, attrs: { 'aria-hidden': 'true' } }, initial);
}
