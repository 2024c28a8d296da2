export interface ChatOptions {
  /** Id of the node serving the namespace, told to each client and stamped on its messages. */
  nodeId: string;
  /** Messages in a room's first history page (on join). @default 50 */
  historyPageSize?: number;
  /** Largest page a `history` request may ask for. @default 200 */
  historyMaxPage?: number;
  /** Messages kept per room (approximately: Redis trims whole blocks). @default 1000 */
  retentionMaxMessages?: number;
  /** Also drop messages older than this; 0 keeps them until the length limit. @default 0 */
  retentionMaxAgeMs?: number;
  /** Longest message text, in characters. @default 2000 */
  messageMaxLength?: number;
  /** How long a clientMsgId is remembered for de-duplication. @default 600 */
  dedupTtlSeconds?: number;
  /** Sustained events per second per connection. @default 20 */
  ratePerSecond?: number;
  /** Events a connection may send in a burst. @default 40 */
  rateBurst?: number;
  /** Token users hear this long (at most; half the token's remaining life if less) before it expires. @default 60000 */
  tokenWarnLeadMs?: number;
}

export const CHAT_DEFAULTS = {
  historyPageSize: 50,
  historyMaxPage: 200,
  retentionMaxMessages: 1000,
  retentionMaxAgeMs: 0,
  messageMaxLength: 2000,
  dedupTtlSeconds: 600,
  ratePerSecond: 20,
  rateBurst: 40,
  tokenWarnLeadMs: 60_000,
} as const;

export type ResolvedChatOptions = Required<ChatOptions>;

export function resolveChatOptions(options: ChatOptions): ResolvedChatOptions {
  return { ...CHAT_DEFAULTS, ...options };
}
