/**
 * The face of a subscribed Redis connection that a channel listener needs: an
 * ioredis client fits it, and a unit test can hand in a fake.
 */
export interface MessageSubscriber {
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  subscribe(...channels: string[]): Promise<unknown>;
}
