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
  nodeRooms: (node: string) => `ringchat:node:${node}:rooms`,
  roomMembers: 'ringchat:room-members',
  roomNames: 'ringchat:room-names',
  /** Every appended message is published here, in stream order. */
  messageChannel: 'ringchat:messages',
} as const;
