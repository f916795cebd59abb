#!/usr/bin/env node
// The `tskube` command (package.json "bin"), so that `npx tskube up` works from a clone. It runs
// src/cli/main.ts in this same process, so signals reach tskube directly and its exit code is the
// command's: from the bundle dist/tskube.cjs (scripts/build.mjs) when it is newer than every file
// under src/ — rebuilt here when it is not — or, if it cannot be built, through tsx's loader. The
// bundle runs through V8's code cache (scripts/code-cache.mjs; TSKUBE_CODE_CACHE=0 does without).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleUpToDate, markBuilt, newestMtime } from '../scripts/bundle-freshness.mjs';
import { compileCommonJS } from '../scripts/code-cache.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = join(ROOT, 'dist', 'tskube.cjs');
const CODE_CACHE = join(ROOT, 'dist', 'tskube.cjs.v8cache');

// `npx tskube` and `npm start` run this under npm, through `sh -c`. Ctrl-C reaches tskube directly
// (the terminal signals the whole process group), but a SIGTERM sent to npm is forwarded to that
// shell only, which dies without passing it on. When the shell is gone (our parent changed), behave
// as if the signal had reached us, so that the cluster stops instead of running on orphaned.
if (process.env.npm_command === 'exec' || process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  watch.unref();
}

const SRC = join(ROOT, 'src');

/** compile readies the bundle to run (through the code cache unless TSKUBE_CODE_CACHE=0). */
const compile = () => compileCommonJS(BUNDLE, process.env.TSKUBE_CODE_CACHE === '0' ? undefined : CODE_CACHE);

let program;
if (process.env.TSKUBE_NO_BUNDLE !== '1') {
  const newestSource = newestMtime(SRC);
  if (bundleUpToDate(BUNDLE, newestSource)) {
    try { program = compile(); } catch (e) { process.stderr.write(`tskube: could not load ${BUNDLE} (${e instanceof Error ? e.message : e}); rebuilding it\n`); }
  }
  if (!program) {
    try {
      const { build } = await import('../scripts/build.mjs');
      await build();
      markBuilt(BUNDLE, newestSource);
      program = compile();
    } catch (e) {
      process.stderr.write(`tskube: could not bundle src/ (${e instanceof Error ? e.message : e}); running it through tsx\n`);
    }
  }
}
if (program) {
  program.run();
} else {
  await import('tsx');
  await import('../src/cli/main.ts');
}
