import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { extract } from 'tar-stream';
import { log } from '../../../util/log.js';

// Applying image layers onto a directory, as containerd's archive.Apply does for an overlay
// snapshot, but flattened: each layer's tar is extracted over the previous ones, whiteouts
// (.wh.<name>) delete what lower layers had, opaque markers (.wh..wh..opq) empty a directory of
// lower layers' entries. Every path is resolved inside the root (symlinks followed as if the root
// were "/", "../" clamped), so a layer cannot write outside it.

const logger = log.child({ component: 'oci-image-unpack' });

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_SYMLINKS = 255;

/** Compression is what a layer blob is compressed with. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** detectCompression reads a blob's magic number (media types lie: docker save layers are plain tars). */
export async function detectCompression(file: string): Promise<Compression> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buf.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** zstdDecompressor is a Transform over fzstd's streaming decompressor. */
export function zstdDecompressor(): Transform {
  let decoder: Decompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        decoder.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  decoder = new Decompress((data) => {
    t.push(Buffer.from(data));
  });
  return t;
}

/** decompressor gives the stream that turns a blob into its tar. */
export function decompressor(c: Compression): Transform {
  return c === 'gzip' ? createGunzip() : c === 'zstd' ? zstdDecompressor() : new PassThrough();
}

/** cleanPath normalizes a tar entry name to a path relative to the root; undefined for the root itself or a path escaping it. */
export function cleanPath(name: string): string | undefined {
  const p = posix.normalize('/' + name).replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '' || p === '.') return undefined;
  // posix.normalize of an absolute path never keeps "..", so nothing can escape; kept as a guard
  if (p === '..' || p.startsWith('../')) return undefined;
  return p;
}

/**
 * resolveInRoot resolves rel inside root following symlinks as if root were "/" (absolute targets
 * restart at root, ".." stops at root), like securejoin; with create, missing directories are made
 * and non-directories in the way replaced.
 */
export async function resolveInRoot(root: string, rel: string, create: boolean): Promise<string> {
  let parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  let cur: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const comp = parts.shift()!;
    if (comp === '..') {
      cur.pop();
      continue;
    }
    const p = join(root, ...cur, comp);
    let st;
    try {
      st = await lstat(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (create) await mkdir(p, { mode: 0o755 });
      cur.push(comp);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new Error(`too many levels of symbolic links resolving ${rel}`);
      const target = await readlink(p);
      if (target.startsWith('/')) cur = [];
      parts = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...parts];
      continue;
    }
    if (!st.isDirectory() && create) {
      await rm(p, { force: true });
      await mkdir(p, { mode: 0o755 });
    }
    cur.push(comp);
  }
  return join(root, ...cur);
}

/** LayerStats counts what applying a layer did. */
export interface LayerStats {
  entries: number;
  whiteouts: number;
  skipped: number;
}

const isRoot = process.getuid?.() === 0;

/** applyLayer extracts one layer blob (gzip, zstd or plain tar) over root. */
export async function applyLayer(root: string, blobFile: string): Promise<LayerStats> {
  const compression = await detectCompression(blobFile);
  return applyTar(root, createReadStream(blobFile).pipe(decompressor(compression)));
}

/** applyTar extracts a layer's tar stream over root, honouring whiteouts and opaque directories. */
export async function applyTar(root: string, tar: Readable): Promise<LayerStats> {
  const stats: LayerStats = { entries: 0, whiteouts: 0, skipped: 0 };
  const written = new Set<string>();
  await mkdir(root, { recursive: true });
  const ex = extract();
  const feeding = pipeline(tar, ex);
  feeding.catch(() => {}); // surfaced through the iterator below
  for await (const entry of ex) {
    const h = entry.header;
    const rel = cleanPath(h.name);
    try {
      if (rel === undefined) {
        stats.skipped++;
        continue;
      }
      const base = posix.basename(rel);
      const dirRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
      const parent = await resolveInRoot(root, dirRel, true);
      if (base === OPAQUE) {
        // everything lower layers had in this directory goes; what this layer wrote stays
        for (const child of await readdir(parent)) {
          if (!written.has(dirRel === '' ? child : `${dirRel}/${child}`)) await rm(join(parent, child), { recursive: true, force: true });
        }
        stats.whiteouts++;
        continue;
      }
      if (base.startsWith(WHITEOUT_PREFIX)) {
        await rm(join(parent, base.slice(WHITEOUT_PREFIX.length)), { recursive: true, force: true });
        stats.whiteouts++;
        continue;
      }
      const target = join(parent, base);
      const existing = await lstat(target).catch(() => undefined);
      if (h.type === 'directory') {
        if (existing && !existing.isDirectory()) await rm(target, { recursive: true, force: true });
        if (!existing || !existing.isDirectory()) await mkdir(target, { mode: 0o755 });
      } else {
        if (existing) await rm(target, { recursive: true, force: true });
        if (h.type === 'file' || h.type === 'contiguous-file') {
          await pipeline(entry, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
        } else if (h.type === 'symlink') {
          await symlink(h.linkname, target);
        } else if (h.type === 'link') {
          const src = cleanPath(h.linkname);
          if (src === undefined) throw new Error(`hard link ${rel} to ${h.linkname} leaves the root`);
          const srcDir = posix.dirname(src) === '.' ? '' : posix.dirname(src);
          await link(join(await resolveInRoot(root, srcDir, false), posix.basename(src)), target);
        } else {
          // device nodes and fifos: containers get /dev from the runtime
          stats.skipped++;
          continue;
        }
      }
      if (h.type !== 'link') await setMetadata(target, h.type === 'symlink', h.mode, h.uid, h.gid, h.mtime);
      written.add(rel);
      stats.entries++;
    } finally {
      entry.resume();
    }
  }
  await feeding;
  return stats;
}

/** setMetadata applies owner, mode and mtime (owner first: chown clears setuid bits). */
async function setMetadata(target: string, isSymlink: boolean, mode: number, uid: number, gid: number, mtime: Date): Promise<void> {
  try {
    await lchown(target, uid, gid);
  } catch (err) {
    if (isRoot) throw err;
    logger.v(4).info('cannot chown as non-root', { target });
  }
  if (!isSymlink) await chmod(target, mode & 0o7777);
  if (mtime instanceof Date && !Number.isNaN(mtime.getTime())) {
    if (isSymlink) await lutimes(target, mtime, mtime).catch(() => {});
    else await utimes(target, mtime, mtime).catch(() => {});
  }
}
