import type { Redis } from 'ioredis';
import type { ResolvedChatOptions } from './chat-options.js';
import type { ConversationStores } from './conversation.js';
import { DirectRooms } from './direct-rooms.js';
import { EditableRoomHistory } from './message-edits.js';
import { RoomActivity, type MemberCounts } from './room-activity.js';

/** The room history (with edits), room activity and direct rooms over one Redis connection. */
export function conversationStores(
  redis: Redis,
  options: ResolvedChatOptions,
  memberCounts: MemberCounts,
): ConversationStores {
  const directs = new DirectRooms(redis);
  const activity = new RoomActivity(redis, directs, memberCounts, { idleMs: options.roomListIdleMs });
  const history = new EditableRoomHistory(
    redis,
    {
      maxMessages: options.retentionMaxMessages,
      maxAgeMs: options.retentionMaxAgeMs,
      dedupTtlSeconds: options.dedupTtlSeconds,
    },
    (room) => activity.touch(room),
  );
  return { history, activity, directs, memberCounts };
}
