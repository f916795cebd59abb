// scripts/bundle-freshness.mjs: when bin/tskube.js rebuilds dist/tskube.cjs before a start.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleUpToDate, markBuilt, newestMtime } from '../scripts/bundle-freshness.mjs';

function tree() {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-fresh-'));
  mkdirSync(join(dir, 'src/a'), { recursive: true });
  writeFileSync(join(dir, 'src/a/x.ts'), '');
  writeFileSync(join(dir, 'src/y.ts'), '');
  writeFileSync(join(dir, 'bundle.mjs'), '');
  return dir;
}

it('a bundle stamped after its build is up to date, even when the newest source time has a fraction of a millisecond', () => {
  const dir = tree();
  try {
    // 1795915185.0559297 s: the kind of time a checkout or an editor leaves (nanoseconds kept).
    utimesSync(join(dir, 'src/a/x.ts'), 1795915185.0559297, 1795915185.0559297);
    utimesSync(join(dir, 'src/y.ts'), 1795915100, 1795915100);
    const newest = newestMtime(join(dir, 'src'));
    assert.ok(Math.abs(newest - 1795915185055.9297) < 0.01, String(newest));
    const bundle = join(dir, 'bundle.mjs');
    utimesSync(bundle, 1795915000, 1795915000);
    assert.equal(bundleUpToDate(bundle, newest), false);
    markBuilt(bundle, newest);
    assert.equal(bundleUpToDate(bundle, newest), true);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

it('a source edited after the build (a millisecond or more) makes the bundle stale; a missing bundle is stale; a bytecode cache does not', () => {
  const dir = tree();
  try {
    const bundle = join(dir, 'bundle.mjs');
    utimesSync(join(dir, 'src/y.ts'), 1795915185, 1795915185);
    utimesSync(join(dir, 'src/a/x.ts'), 1795915100, 1795915100);
    markBuilt(bundle, newestMtime(join(dir, 'src')));
    utimesSync(join(dir, 'src/a/x.ts'), 1795915185.002, 1795915185.002);
    assert.equal(bundleUpToDate(bundle, newestMtime(join(dir, 'src'))), false);
    assert.equal(bundleUpToDate(join(dir, 'none.mjs'), 0), false);
    // Python's bytecode cache beside a helper is not a source
    mkdirSync(join(dir, 'src/a/__pycache__'));
    writeFileSync(join(dir, 'src/a/__pycache__/helper.cpython-311.pyc'), '');
    utimesSync(join(dir, 'src/a/x.ts'), 1795915100, 1795915100);
    assert.equal(bundleUpToDate(bundle, newestMtime(join(dir, 'src'))), true);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
