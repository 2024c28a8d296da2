// Node module hooks (see register.mjs) that run the project's TypeScript as it is
// written: imports Node cannot resolve (`./x.js` naming `./x.ts`, the `@app/*`
// paths of tsconfig.json) are resolved by TypeScript itself with the project's
// compiler options, and `.ts` files are loaded as ES modules with their types
// removed by `ts.transpileModule` (no type check here: `tsc -p bench` does that).
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

const projectOptions = readProjectOptions();

const TRANSPILE_OPTIONS = {
  ...projectOptions,
  // The package is "type": "module"; emit ES modules whatever the file's name.
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  declaration: false,
  sourceMap: false,
  // Output placement would skew the source paths in the inline source maps.
  outDir: undefined,
  rootDir: undefined,
  // Stack traces point at the .ts lines when node runs with --enable-source-maps.
  inlineSourceMap: true,
  inlineSources: true,
};

function readProjectOptions() {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    TSCONFIG,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
  );
  if (!parsed) throw new Error(`cannot read ${TSCONFIG}`);
  return parsed.options;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const source =
      error?.code === 'ERR_MODULE_NOT_FOUND' ? resolveTypeScriptSource(specifier, context) : undefined;
    if (!source) throw error;
    return { url: pathToFileURL(source).href, format: 'module', shortCircuit: true };
  }
}

/** The `.ts` file TypeScript maps `specifier` to, as an ES module import from the parent. */
function resolveTypeScriptSource(specifier, context) {
  if (!context.parentURL?.startsWith('file:')) return undefined;
  const { resolvedModule } = ts.resolveModuleName(
    specifier,
    fileURLToPath(context.parentURL),
    projectOptions,
    ts.sys,
    undefined,
    undefined,
    ts.ModuleKind.ESNext,
  );
  const file = resolvedModule?.resolvedFileName;
  return file && /\.m?ts$/.test(file) && !/\.d\.m?ts$/.test(file) ? file : undefined;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.m?ts$/.test(url)) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: TRANSPILE_OPTIONS,
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
