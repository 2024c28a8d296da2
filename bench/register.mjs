// `node --import ./bench/register.mjs file.ts` runs a benchmark written in TypeScript.
// Node 20 cannot strip types itself and the project has no tsx or vite-node, so the
// hooks in ts-hooks.mjs transpile with the project's own TypeScript instead.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
