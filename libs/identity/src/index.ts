export * from './guest-identities.js';
export * from './identity-resolver.js';
export * from './identity.js';
export * from './jwt-identities.js';
export * from './room-rules.js';
export * from './token-minting.js';
