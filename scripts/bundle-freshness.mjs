// Whether dist/tskube.cjs is newer than every file under src/ (bin/tskube.js rebuilds it when not).
// A built bundle carries, as its mtime, the newest source time seen before the build began, so an
// edit made while esbuild was reading counts as a change.
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

/**
 * newestMtime is the latest modification time (ms) of any file under dir (about 10 ms for src/),
 * Python's bytecode caches left out: they are not sources.
 */
export function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__') continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * bundleUpToDate: the bundle exists and no source changed after it was built. Whole milliseconds
 * on both sides: file systems keep nanoseconds, and a time set through utimes can come back a
 * fraction of a millisecond off, which made every start rebuild (2.5 s).
 */
export function bundleUpToDate(bundle, newestSource) {
  try { return Math.floor(statSync(bundle).mtimeMs) >= Math.floor(newestSource); } catch { return false; }
}

/** markBuilt stamps the bundle with the newest source time its build started from. */
export function markBuilt(bundle, newestSource) {
  const seconds = newestSource / 1000; // a number keeps the fraction a Date would cut to milliseconds
  utimesSync(bundle, seconds, seconds);
}

