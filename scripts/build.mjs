#!/usr/bin/env node
// Bundles src/cli/main.ts into dist/tskube.cjs with esbuild (tsx's own compiler), so that
// `npm start` / `npx tskube` load one file instead of transpiling ~500 modules at every start
// (about 0.9 s of a 1.4 s start). The pure-JavaScript npm packages are bundled too: importing
// CommonJS packages through Node's ESM loader cost another ~0.15 s. Packages that load native
// code or files of their own, or that only some runtimes need, stay external (EXTERNAL).
// bin/tskube.js uses the bundle only while it is newer than every file under src/, and rebuilds it
// otherwise, so an edited checkout never runs stale code. Run by `npm ci` (the "prepare" script).
// The bundles are CommonJS because Node 20 gives V8's code cache only to scripts, not to ES modules
// (scripts/code-cache.mjs); the components' bundle is what their worker thread runs.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { buildInit } from './build-init.mjs';
import { MODULE_WRAPPER } from './code-cache.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'dist', 'tskube.cjs');

/** EXTERNAL packages load from node_modules: native (better-sqlite3), gRPC (etcd3, the cri runtime's), the tools. */
const EXTERNAL = ['better-sqlite3', 'etcd3', '@grpc/*', 'tsx', 'esbuild', '@kubernetes/client-node'];

/**
 * Modules find their data files (images.yaml, api.proto, the OpenAPI definitions, helpers they
 * fork) next to themselves through import.meta.url; in a bundle that URL would be the bundle's.
 * This plugin gives each module its own source file's URL, so those paths stay in src/.
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/**
 * asciiOnly escapes the few non-ASCII characters esbuild leaves (in bundled packages' comments and
 * regular expressions) as \\uXXXX: one such character makes V8 keep the whole ~5 MB source at two
 * bytes per character (about 4 MiB more of an idle tskube up). Escapes mean the same in strings,
 * templates and regular expressions, and nothing in comments.
 */
export function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * COMPONENTS_BUNDLE is what the components' worker thread of `up` / `server` loads
 * (src/cli/components-thread-main.ts): the controllers, scheduler and agents without the API
 * server, about a third less code for that thread to hold (src/cli/components-thread.ts).
 */
export const COMPONENTS_BUNDLE = join(ROOT, 'dist', 'components.cjs');

/**
 * build writes the bundles atomically (several tskube processes may rebuild at once), the
 * components' first: a main bundle is never newer than the components bundle built with it.
 */
export async function build() {
  // The container init is optional (the runtime falls back to its setup script): a machine without a C compiler still gets the bundles.
  const noInit = buildInit();
  if (noInit) process.stderr.write(`tskube build: no dist/tskube-init (${noInit}); containers are set up by the setup script\n`);
  const { build: esbuild } = await import('esbuild');
  mkdirSync(dirname(BUNDLE), { recursive: true });
  for (const [entry, out] of [['components-thread-main.ts', COMPONENTS_BUNDLE], ['main.ts', BUNDLE]]) {
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      const result = await esbuild({
        entryPoints: [join(ROOT, 'src', 'cli', entry)],
        bundle: true, platform: 'node', format: 'cjs', target: 'node20',
        external: EXTERNAL, outfile: tmp, logLevel: 'warning', plugins: [keepModuleUrls], write: false,
        // import.meta.filename: the running bundle (components-thread.ts finds the other one by it).
        define: { 'import.meta.filename': '__filename' },
        // Whitespace and syntax minified, names kept (stack traces still name every function): a
        // third less source to read, hash and deserialize at each start.
        minifyWhitespace: true, minifySyntax: true,
        // Wrapped as CommonJS's module function, for scripts/code-cache.mjs to run.
        banner: { js: MODULE_WRAPPER }, footer: { js: '})' },
      });
      writeFileSync(tmp, asciiOnly(result.outputFiles[0].text));
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // --if-possible (npm's "prepare"): a failed bundle must not fail `npm ci`; bin/tskube.js then
  // retries it at start, or runs the sources through tsx.
  try {
    await build();
  } catch (e) {
    if (!process.argv.includes('--if-possible')) throw e;
    process.stderr.write(`tskube build: no bundle (${e instanceof Error ? e.message : e}); bin/tskube.js will run src/ through tsx\n`);
  }
}
