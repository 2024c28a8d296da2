export * from './engine-entry.js';
export * from './engine-request.js';
