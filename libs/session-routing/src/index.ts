// The public face: a node builds its routed engine and nothing else. The parts
// (router, forwarders, placement, entry) stay inside; engine-internals.ts above all.
export * from './engine-cluster.js';
export * from './keep-alive.js';
export * from './routed-engine.js';
