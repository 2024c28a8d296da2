export interface ChatOptions {
  /** Id of the node serving the namespace, told to each client on connect. */
  nodeId: string;
}

/** Injection token of the ChatOptions. */
export const CHAT_OPTIONS = Symbol('CHAT_OPTIONS');
