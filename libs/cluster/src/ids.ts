declare const brand: unique symbol;
type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** A node's id (`NODE_ID`), e.g. `node2`. Never a session id. */
export type NodeId = Brand<string, 'NodeId'>;

/** An engine.io session id (the `sid` query parameter). Never a node id. */
export type SessionId = Brand<string, 'SessionId'>;

export function asNodeId(value: string): NodeId {
  return value as NodeId;
}

// engine.io's own ids are 20 url-safe base64 characters; ours are made the same way.
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{20}$/;

/** A sid of the shape engine.io issues, or undefined for anything else. */
export function parseSessionId(value: string | undefined | null): SessionId | undefined {
  return value && SESSION_ID_PATTERN.test(value) ? (value as SessionId) : undefined;
}
