import type { RedisClient } from '@app/redis';
import type { ResolvedChatOptions } from './chat-options.js';
import type { ConversationStores } from './conversation.js';
import { DirectRooms } from './direct-rooms.js';
import { EditableRoomHistory } from './message-edits.js';
import { RoomActivity, type MemberCounts } from './room-activity.js';

/** The room history (with edits), room activity and direct rooms over one RedisClient connection. */
export function conversationStores(
  redis: RedisClient,
  options: ResolvedChatOptions,
  /** A RedisClient Cluster: a room's channel shares its slot with its keys, so SPUBLISH. */
  sharded: boolean,
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
      ackReplicas: options.ackReplicas,
      ackReplicaTimeoutMs: options.ackReplicaTimeoutMs,
    },
    (room) => activity.noteMessage(room),
    { delivery: options.roomDelivery, publishCommand: sharded ? 'SPUBLISH' : 'PUBLISH' },
  );
  return { history, activity, directs, memberCounts };
}
