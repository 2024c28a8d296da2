// The public face: a node builds its routed engine and nothing else. The parts
// (router, forwarders, placement, entry) stay inside; engine-internals.ts above all.
export * from './engine-cluster.js';
export * from './keep-alive.js';
export * from './routed-engine.js';
export * from './routing-observer.js';
export type { EngineRequestKind } from './engine-request.js';
export type { ForwardOutcome } from './forward-target.js';
