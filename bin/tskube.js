#!/usr/bin/env node
// The `tskube` command (package.json "bin"), so that `npx tskube up` works from a clone. It runs
// src/cli/main.ts in this same process, so signals reach tskube directly and its exit code is the
// command's: from the bundle dist/tskube.mjs (scripts/build.mjs) when it is newer than every file
// under src/ — rebuilt here when it is not — or, if it cannot be built, through tsx's loader.
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = join(ROOT, 'dist', 'tskube.mjs');

/** newestMtime is the latest modification time of any file under dir (about 10 ms for src/). */
function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * bundleUpToDate: the bundle exists and no source changed after it was built. A built bundle
 * carries, as its mtime, the newest source time seen before the build began, so an edit made
 * while esbuild was reading counts as a change.
 */
function bundleUpToDate(newestSource) {
  try { return statSync(BUNDLE).mtimeMs >= newestSource; } catch { return false; }
}

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
let bundled = process.env.TSKUBE_NO_BUNDLE !== '1' && bundleUpToDate(newestSource);
if (!bundled && process.env.TSKUBE_NO_BUNDLE !== '1') {
  try {
    const { build } = await import('../scripts/build.mjs');
    await build();
    const t = new Date(newestSource);
    utimesSync(BUNDLE, t, t);
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
