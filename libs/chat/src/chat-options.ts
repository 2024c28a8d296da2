import type { RoomDelivery } from './room-delivery.js';

export interface ChatOptions {
  /** Id of the node serving the namespace, told to each client and stamped on its messages. */
  nodeId: string;
  /** Messages in a room's first history page (on join). @default 50 */
  historyPageSize?: number;
  /** Most messages in one history page or replay (a `history` answer, or the history of a join or resume). @default 200 */
  historyMaxPage?: number;
  /**
   * Most bytes of message text and names in one history page or replay; the
   * first message always fits, so an answer is never empty while some remain.
   * @default 262144
   */
  historyAnswerMaxBytes?: number;
  /** Messages kept per room (approximately: Redis trims whole blocks). @default 1000 */
  retentionMaxMessages?: number;
  /** Also drop messages older than this; 0 keeps them until the length limit. @default 0 */
  retentionMaxAgeMs?: number;
  /** Longest message text, in characters. @default 2000 */
  messageMaxLength?: number;
  /** Longest message text, in UTF-8 bytes (a character may be many). @default 16384 */
  messageMaxBytes?: number;
  /** How long a clientMsgId is remembered for de-duplication. @default 600 */
  dedupTtlSeconds?: number;
  /** Sustained events per second per connection; a resume costs one per room. @default 20 */
  ratePerSecond?: number;
  /** Events a connection may send in a burst. @default 40 */
  rateBurst?: number;
  /** Rooms one connection may be in at once. @default 50 */
  roomsPerConnection?: number;
  /** Most rooms in one page of the `rooms` directory. @default 100 */
  roomsPageMax?: number;
  /**
   * Room operations and reads (join, leave, resume, history, members, rooms) of
   * one connection run one at a time; this many may wait behind the running one.
   * @default 8
   */
  requestQueueMax?: number;
  /**
   * Every this often (and whenever Redis is back) the node rewrites its share of
   * presence from its live connections, repairing what events missed.
   * @default 5000
   */
  presenceReconcileMs?: number;
  /** An empty room leaves the rooms list this long after its last activity. @default 3600000 */
  roomListIdleMs?: number;
  /** At most one `typing` per connection and room is relayed this often. @default 2000 */
  typingIntervalMs?: number;
  /** Receivers drop a typist this long after its last `typing`. @default 5000 */
  typingExpiryMs?: number;
  /** An identity with this many direct rooms (its own or opened with it) opens no new one. @default 1000 */
  directRoomsMax?: number;
  /**
   * A send is acked only once this many replicas of the room's master hold the
   * message (WAIT), so a failover cannot lose an acked message. @default 0
   */
  ackReplicas?: number;
  /** With `ackReplicas`: replicas slower than this make the send fail as `unavailable`. @default 500 */
  ackReplicaTimeoutMs?: number;
  /**
   * `room`: a channel per room, which a node receives while it has members there;
   * `broadcast`: every node receives every room's messages (the earlier design).
   * @default 'room'
   */
  roomDelivery?: RoomDelivery;
  /** Token users hear this long (at most; half the token's remaining life if less) before it expires. @default 60000 */
  tokenWarnLeadMs?: number;
}

export const CHAT_DEFAULTS = {
  historyPageSize: 50,
  historyMaxPage: 200,
  historyAnswerMaxBytes: 262_144,
  retentionMaxMessages: 1000,
  retentionMaxAgeMs: 0,
  messageMaxLength: 2000,
  messageMaxBytes: 16_384,
  dedupTtlSeconds: 600,
  ratePerSecond: 20,
  rateBurst: 40,
  roomsPerConnection: 50,
  roomsPageMax: 100,
  requestQueueMax: 8,
  tokenWarnLeadMs: 60_000,
  presenceReconcileMs: 5000,
  roomListIdleMs: 3_600_000,
  typingIntervalMs: 2000,
  typingExpiryMs: 5000,
  directRoomsMax: 1000,
  ackReplicas: 0,
  ackReplicaTimeoutMs: 500,
  roomDelivery: 'room',
} as const satisfies ResolvedChatOptionsWithoutNode;

type ResolvedChatOptionsWithoutNode = Omit<Required<ChatOptions>, 'nodeId'>;

export type ResolvedChatOptions = Required<ChatOptions>;

export function resolveChatOptions(options: ChatOptions): ResolvedChatOptions {
  return { ...CHAT_DEFAULTS, ...options };
}
