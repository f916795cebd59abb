#!/usr/bin/env node
// The `tskube` command (package.json "bin"), so that `npx tskube up` works from a clone. It runs
// src/cli/main.ts in this same process, so signals reach tskube directly and its exit code is the
// command's: from the bundle dist/tskube.mjs (scripts/build.mjs) when it is newer than every file
// under src/ — rebuilt here when it is not — or, if it cannot be built, through tsx's loader.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleUpToDate, markBuilt, newestMtime } from '../scripts/bundle-freshness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = join(ROOT, 'dist', 'tskube.mjs');

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

const newestSource = newestMtime(join(ROOT, 'src'));
let bundled = process.env.TSKUBE_NO_BUNDLE !== '1' && bundleUpToDate(BUNDLE, newestSource);
if (!bundled && process.env.TSKUBE_NO_BUNDLE !== '1') {
  try {
    const { build } = await import('../scripts/build.mjs');
    await build();
    markBuilt(BUNDLE, newestSource);
    bundled = true;
  } catch (e) {
    process.stderr.write(`tskube: could not bundle src/ (${e instanceof Error ? e.message : e}); running it through tsx\n`);
  }
}
if (bundled) {
  await import(pathToFileURL(BUNDLE).href);
} else {
  await import('tsx');
  await import('../src/cli/main.ts');
}
