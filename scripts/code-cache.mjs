// Loads the CommonJS bundle through V8's code cache, which Node 20 offers only to vm.Script (Node
// 22's module.enableCompileCache does this for every module). Compiling the bundle was ~100 ms of
// each start, and the functions a start runs were compiled again as they ran; with the cache V8
// reads their bytecode instead. The cache is written beside the bundle after a run without a
// usable one. The bundle is built already wrapped as CommonJS's module function
// (`(function (exports, require, module, __filename, __dirname) {...})`, scripts/build.mjs): adding
// the wrapper here made V8 copy the whole source into one flat string (~20 ms).
import { closeSync, fstatSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/**
 * V8 checks a cache against the source's length only, so each cache starts with the identity of
 * the bundle it was made from (size, mtime, inode): a rebuilt bundle never runs stale bytecode.
 * The header also says whether the cache was made by a run that lived saveAfterMs ("full": it has
 * the functions a start runs) or by a short command at its exit ("partial": the bundle's top level).
 */
const HEADER_BYTES = 128;
const MAGIC = 'tskube-code-cache';

function identity(fd) {
  const s = fstatSync(fd);
  return `${s.size} ${s.mtimeMs} ${s.ino}`;
}

/** readCache returns the cache made from the bundle with this identity, if there is one. */
function readCache(cacheFile, id) {
  let data;
  try { data = readFileSync(cacheFile); } catch { return undefined; }
  if (data.length <= HEADER_BYTES) return undefined;
  const [magic, kind, ...rest] = data.subarray(0, HEADER_BYTES).toString('latin1').trimEnd().split(' ');
  if (magic !== MAGIC || rest.join(' ') !== id || (kind !== 'full' && kind !== 'partial')) return undefined;
  return { data: data.subarray(HEADER_BYTES), full: kind === 'full' };
}

/** MODULE_WRAPPER opens the bundle (after its hashbang line); "})" closes it. */
export const MODULE_WRAPPER = '(function (exports, require, module, __filename, __dirname) {';

/**
 * compileCommonJS compiles the bundle as the main CommonJS module of this process, with the cache
 * in cacheFile (none when cacheFile is undefined); run() then runs it and returns what it knows of
 * the cache. Without a usable cache a run writes a partial one at exit, or a full one after
 * saveAfterMs; a run started from a partial cache writes the full one.
 */
export function compileCommonJS(file, cacheFile, saveAfterMs = 2000) {
  const fd = openSync(file, 'r');
  let source, id;
  try { id = identity(fd); source = readFileSync(fd, 'latin1'); } finally { closeSync(fd); }
  const { script, used, full } = compile(file, source, cacheFile, id);
  return {
    run() {
      if (cacheFile !== undefined && !used) saveLater(script, cacheFile, id, saveAfterMs, true);
      else if (cacheFile !== undefined && !full) saveLater(script, cacheFile, id, saveAfterMs, false);
      const moduleFunction = script.runInThisContext();
      if (typeof moduleFunction !== 'function') throw new Error(`${file} is not a wrapped CommonJS bundle`);
      const module = { exports: {}, filename: file, id: '.', loaded: false };
      moduleFunction.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
      module.loaded = true;
      return { used, full };
    },
  };
}

/**
 * compile makes the script from the source and the cache, and keeps no reference to the cache's
 * bytes (~3 MB, held for the life of the process otherwise).
 */
function compile(file, source, cacheFile, id) {
  const cache = cacheFile === undefined ? undefined : readCache(cacheFile, id);
  const script = new vm.Script(source, {
    filename: file,
    cachedData: cache?.data,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const used = cache !== undefined && !script.cachedDataRejected;
  return { script, used, full: used && cache.full };
}

function saveLater(script, cacheFile, id, afterMs, atExitToo) {
  let saved = false;
  const save = (kind) => {
    if (saved) return;
    saved = true;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      const header = Buffer.alloc(HEADER_BYTES, ' ');
      header.write(`${MAGIC} ${kind} ${id}`, 'latin1');
      writeFileSync(tmp, Buffer.concat([header, script.createCachedData()]));
      renameSync(tmp, cacheFile);
    } catch (e) {
      // a read-only checkout runs without the cache, as fast as before it existed
      process.stderr.write(`tskube: could not write the code cache ${cacheFile} (${e instanceof Error ? e.message : e})\n`);
    }
  };
  setTimeout(() => save('full'), afterMs).unref();
  if (atExitToo) process.once('exit', () => save('partial'));
}
