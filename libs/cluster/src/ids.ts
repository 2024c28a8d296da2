declare const brand: unique symbol;
type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** A node's id (`NODE_ID`), e.g. `node2`. Never a session id. */
export type NodeId = Brand<string, 'NodeId'>;

/** An engine.io session id (the `sid` query parameter). Never a node id. */
export type SessionId = Brand<string, 'SessionId'>;

export function asNodeId(value: string): NodeId {
  return value as NodeId;
}

/** What a node id may be: 1-32 letters, digits, "-" or "_", starting with a letter or digit. */
const NODE_ID_SYNTAX = '[A-Za-z0-9][A-Za-z0-9_-]{0,31}';
export const NODE_ID_PATTERN = new RegExp(`^${NODE_ID_SYNTAX}$`);

/**
 * engine.io's own ids are 20 url-safe base64 characters. Ours put the creating
 * node's id (NODE_ID's pattern) and a dot before them, a hint for the front door;
 * plain ones stay valid (nodes of an older build during a rolling upgrade mint them).
 */
const SESSION_ID_PATTERN = new RegExp(`^(?:${NODE_ID_SYNTAX}\\.)?[A-Za-z0-9_-]{20}$`);

/** A sid of the shape a node or engine.io issues, or undefined for anything else. */
export function parseSessionId(value: string | undefined | null): SessionId | undefined {
  return value && SESSION_ID_PATTERN.test(value) ? (value as SessionId) : undefined;
}
