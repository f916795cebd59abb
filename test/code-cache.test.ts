// scripts/code-cache.mjs: bin/tskube.js runs the bundle through V8's code cache.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileCommonJS, MODULE_WRAPPER } from '../scripts/code-cache.mjs';

/** bundle writes a wrapped CommonJS file, as scripts/build.mjs does, that records what it was given. */
function bundle(file: string, value: string): void {
  writeFileSync(file, `#!/usr/bin/env node\n${MODULE_WRAPPER}\n"use strict";globalThis.codeCacheTest = { value: ${JSON.stringify(value)}, filename: __filename, dirname: __dirname, exportsIsThis: this === exports, hasRequire: typeof require('node:path').join === 'function' };\nmodule.exports.done = true;\n})`);
}

const seen = () => (globalThis as { codeCacheTest?: Record<string, unknown> }).codeCacheTest;

it('runs a wrapped bundle as a CommonJS module, writes the cache, and the next run uses it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-code-cache-'));
  try {
    const file = join(dir, 'b.cjs');
    const cache = join(dir, 'b.cjs.v8cache');
    bundle(file, 'one');
    assert.deepEqual(compileCommonJS(file, cache, 10).run(), { used: false, full: false });
    assert.deepEqual(seen(), { value: 'one', filename: file, dirname: dir, exportsIsThis: true, hasRequire: true });
    for (let i = 0; i < 100 && !existsSync(cache); i++) await sleep(10);
    assert.match(readFileSync(cache).subarray(0, 40).toString('latin1'), /^tskube-code-cache full /);
    assert.deepEqual(compileCommonJS(file, cache, 10).run(), { used: true, full: true });
    assert.equal(seen()?.value, 'one');

    // Rebuilt with the same length (V8's own check compares only the length): the old cache is not
    // used, and the run writes one for the new bundle.
    const before = readFileSync(cache);
    bundle(file, 'two');
    assert.deepEqual(compileCommonJS(file, cache, 10).run(), { used: false, full: false });
    assert.equal(seen()?.value, 'two');
    for (let i = 0; i < 100 && readFileSync(cache).equals(before); i++) await sleep(10);
    assert.deepEqual(compileCommonJS(file, cache, 10).run(), { used: true, full: true });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

it('without a cache file, runs the bundle and writes nothing; a file that is not a wrapped bundle is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-code-cache-'));
  try {
    const file = join(dir, 'b.cjs');
    bundle(file, 'three');
    assert.deepEqual(compileCommonJS(file, undefined).run(), { used: false, full: false });
    assert.equal(seen()?.value, 'three');
    writeFileSync(join(dir, 'plain.cjs'), '"use strict"; 42;\n');
    assert.throws(() => compileCommonJS(join(dir, 'plain.cjs'), undefined).run(), /not a wrapped CommonJS bundle/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
