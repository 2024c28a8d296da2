/**
 * Redis keys of the chat. Per-room keys carry the room as a hash tag, so a room's
 * stream, de-duplication keys and presence live in one Redis Cluster slot.
 */
export const chatKeys = {
  stream: (room: string) => `ringchat:room:{${room}}:messages`,
  dedup: (room: string, userId: string, clientMsgId: string) =>
    `ringchat:room:{${room}}:dedup:${userId}:${clientMsgId}`,
  presence: (room: string) => `ringchat:room:{${room}}:presence`,
  presenceByNode: (room: string) => `ringchat:room:{${room}}:presence-by-node`,
  /** Per node: the rooms it holds a share of presence in (room → 1). */
  nodeRooms: (node: string) => `ringchat:node:${node}:room-connections`,
  /** Room → members (users present), for rooms with members only. */
  roomMembers: 'ringchat:room-members',
  /** The rooms with members, by name (a sorted set, all scores 0): the `rooms` directory. */
  roomDirectory: 'ringchat:room-directory',
  /** Registries of earlier versions, which never shrank: removed at start. */
  legacyRegistries: (node: string) => ['ringchat:room-names', `ringchat:node:${node}:rooms`],
  /**
   * A room's stored messages, in stream order (ROOM_DELIVERY=room): in the room's
   * hash slot, so the append script may SPUBLISH it on a Redis Cluster.
   */
  roomChannel: (room: string) => `ringchat:room:{${room}}:live`,
  isRoomChannel: (channel: string) => channel.startsWith('ringchat:room:{') && channel.endsWith('}:live'),
  /** The room of a room channel (see roomChannel). */
  roomOfChannel: (channel: string) => channel.slice('ringchat:room:{'.length, -'}:live'.length),
  /** Every room's stored messages, in stream order (ROOM_DELIVERY=broadcast). */
  messageChannel: 'ringchat:messages',
} as const;

/** The keys of a room's presence, in its slot: every presence script touches these two and no other. */
export function roomPresenceKeys(room: string): string[] {
  return [chatKeys.presence(room), chatKeys.presenceByNode(room)];
}
