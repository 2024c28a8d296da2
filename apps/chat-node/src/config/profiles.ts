import type { EnvSettings, Profile } from './settings.js';

/** Settings no variable sets; a profile may change them. */
export interface ProfileOnlySettings {
  /** socket.io's connectTimeout. @default 45000 */
  connectTimeoutMs: number;
  /** Allowed CORS origin for engine.io requests. @default none */
  corsOrigin?: string;
  /** Accept Engine.IO v3 clients (socket.io-client 2.x). @default true */
  allowEio3: boolean;
}

export const PROFILE_ONLY_DEFAULTS: ProfileOnlySettings = { connectTimeoutMs: 45_000, allowEio3: true };

/**
 * What each profile sets over the variables. `protocol-test` runs the nodes as
 * the reference server the official socket.io protocol test suite expects: its
 * timings, its limits, any origin.
 */
export const PROFILE_SETTINGS: Record<Profile, Partial<EnvSettings & ProfileOnlySettings>> = {
  chat: {},
  'protocol-test': {
    pingIntervalMs: 300,
    pingTimeoutMs: 200,
    connectTimeoutMs: 1000,
    maxPayloadBytes: 1_000_000,
    corsOrigin: '*',
    allowedOrigins: ['*'],
    // The suite expects a request without EIO=4 to be refused.
    allowEio3: false,
  },
};
