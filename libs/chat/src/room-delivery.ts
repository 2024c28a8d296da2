import { chatKeys } from './chat-keys.js';

/**
 * How stored messages reach the nodes. `room`: one channel per room, which a
 * node subscribes to while it has members there. `broadcast`: one channel that
 * every node receives in full (the design before room channels, kept to compare).
 */
export const ROOM_DELIVERIES = ['room', 'broadcast'] as const;
export type RoomDelivery = (typeof ROOM_DELIVERIES)[number];

/** PUBLISH, or SPUBLISH on a Redis Cluster (the room's channel lives in its slot). */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** The channel a room's messages are published on under `delivery`. */
export function deliveryChannel(delivery: RoomDelivery, room: string): string {
  return delivery === 'room' ? chatKeys.roomChannel(room) : chatKeys.messageChannel;
}
