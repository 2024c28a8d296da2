/** Injection token of the validated NodeConfig. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
