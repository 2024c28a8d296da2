import type { Log } from '@app/logging';
import type { MessageSubscriber } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import type { ChatMessageEvent } from '@app/chat-protocol';

/** Delivers one message to this node's members of its room (encoded once). */
export type LocalRoomDelivery = (message: ChatMessageEvent) => void;

/** Messages that arrived for a room while one client was being brought up to date. */
export interface RoomSync {
  readonly room: string;
  readonly buffer: ChatMessageEvent[];
}

/**
 * Every node receives every stored message on one channel, in stream order, and
 * hands it to its local members of the room. A client that is joining or
 * resuming is not a member yet: what arrives meanwhile is buffered for it, so it
 * gets its history first and then the live messages, with no gap and nothing twice.
 */
export class RoomFanout {
  private readonly syncs = new Map<string, Set<RoomSync>>();

  private deliver: LocalRoomDelivery = () => undefined;

  constructor(
    private readonly subscriber: MessageSubscriber,
    private readonly log: Log,
  ) {}

  async start(deliver: LocalRoomDelivery): Promise<void> {
    this.deliver = deliver;
    // The subscriber is shared with the cluster, which listens on its own channels.
    this.subscriber.on('message', (channel, raw) => {
      if (channel === chatKeys.messageChannel) this.onMessage(raw);
    });
    await this.subscriber.subscribe(chatKeys.messageChannel);
  }

  /** Starts buffering a room's messages for one client; call before reading history. */
  beginSync(room: string): RoomSync {
    const sync: RoomSync = { room, buffer: [] };
    let set = this.syncs.get(room);
    if (!set) this.syncs.set(room, (set = new Set()));
    set.add(sync);
    return sync;
  }

  endSync(sync: RoomSync): void {
    const set = this.syncs.get(sync.room);
    set?.delete(sync);
    if (set?.size === 0) this.syncs.delete(sync.room);
  }

  private onMessage(raw: string): void {
    let message: ChatMessageEvent;
    try {
      message = JSON.parse(raw) as ChatMessageEvent;
    } catch {
      this.log.warn('ignored a malformed message on the message channel');
      return;
    }
    for (const sync of this.syncs.get(message.room) ?? []) sync.buffer.push(message);
    this.deliver(message);
  }
}
