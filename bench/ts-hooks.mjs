// Node module hooks (see register.mjs): load `.ts` files as ES modules, types
// removed by `ts.transpileModule` (no type check here: `tsc -p bench` does that),
// and resolve a relative `./x.js` import to `./x.ts` when only the source exists,
// as the project's nodenext-style imports expect.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const COMPILER_OPTIONS = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  // Stack traces point at the .ts lines when node runs with --enable-source-maps.
  inlineSourceMap: true,
  inlineSources: true,
};

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const relativeJs = specifier.startsWith('.') && specifier.endsWith('.js');
    if (!relativeJs || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: COMPILER_OPTIONS,
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
