/**
 * Redis keys of edits, direct rooms and room activity. Per-room keys carry the
 * room as a hash tag (one Redis Cluster slot with its stream); the others are
 * only ever used one key per command.
 */
export const conversationKeys = {
  /** Message id → its latest change {edited, text | deleted}, for serving history. */
  changes: (room: string) => `ringchat:room:{${room}}:changes`,
  /** A direct room's two identities and their names. */
  direct: (room: string) => `ringchat:room:{${room}}:direct`,
  /** Per identity: its direct rooms → last activity (ms). */
  directsOf: (userId: string) => `ringchat:identity:{${userId}}:directs`,
  /** Public room → last activity (ms): the rooms list, most recent first. */
  roomActivity: 'ringchat:room-activity',
} as const;

/** The socket.io room of all connections of one identity (never a chat room: `@` is not allowed there). */
export function identityChannel(userId: string): string {
  return `@identity:${userId}`;
}
