import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** FileProjection is one file of a ConfigMap, Secret, downward API or projected volume. */
export interface FileProjection { data: Buffer; mode: number }

/** DATA_DIR is the link to the current payload; what a reader sees goes through it. */
export const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/**
 * writeAtomically makes dir show exactly files, laid out as the kubelet's AtomicWriter lays out
 * ConfigMap, Secret, downward API and projected volumes: the files live in a timestamped directory
 * (..2026_11_28_02_10_00.NNNN), `..data` links to it and each top-level name links into `..data`.
 * A change writes a whole new directory and swaps `..data` with one rename, so a container reading
 * the volume never sees half an update; the same content leaves everything as it is. Paths that
 * are absolute, climb out (..) or start with '..' are skipped (validation refuses them earlier).
 */
export function writeAtomically(dir: string, files: Record<string, FileProjection>, now = new Date()): void {
  const payload = new Map<string, FileProjection>();
  for (const [rel, f] of Object.entries(files)) {
    const clean = path.posix.normalize(rel);
    if (path.isAbsolute(clean) || clean.split('/').some((e) => e === '' || e === '.' || e.startsWith('..'))) continue;
    payload.set(clean, f);
  }
  fs.mkdirSync(dir, { recursive: true });
  const current = currentPayloadDir(dir);
  if (!current || !sameContent(path.join(dir, current), payload)) {
    const fresh = writePayload(dir, payload, now);
    const tmp = path.join(dir, DATA_DIR_TMP);
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(fresh, tmp);
    fs.renameSync(tmp, path.join(dir, DATA_DIR));
  }
  updateVisibleLinks(dir, new Set([...payload.keys()].map((p) => p.split('/')[0])));
  // Old payloads go once nothing links to them (a reader that resolved ..data before the swap keeps its open files).
  const live = fs.readlinkSync(path.join(dir, DATA_DIR));
  for (const e of fs.readdirSync(dir)) {
    if (e.startsWith('..') && e !== DATA_DIR && e !== live) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
}

/** currentPayloadDir is the directory `..data` names, when it is one of dir's own. */
function currentPayloadDir(dir: string): string | undefined {
  try {
    const target = fs.readlinkSync(path.join(dir, DATA_DIR));
    return !target.includes('/') && fs.statSync(path.join(dir, target)).isDirectory() ? target : undefined;
  } catch {
    return undefined;
  }
}

/** sameContent says whether the payload directory holds exactly these files, bytes and modes. */
function sameContent(payloadDir: string, payload: Map<string, FileProjection>): boolean {
  const found: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else found.push(r);
    }
  };
  try { walk(payloadDir, ''); } catch { return false; }
  if (found.length !== payload.size) return false;
  for (const r of found) {
    const want = payload.get(r);
    if (!want) return false;
    const p = path.join(payloadDir, r);
    if ((fs.statSync(p).mode & 0o777) !== (want.mode & 0o777) || !fs.readFileSync(p).equals(want.data)) return false;
  }
  return true;
}

/** writePayload writes the files into a new timestamped directory of dir and returns its name. */
function writePayload(dir: string, payload: Map<string, FileProjection>, now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-T:]/g, '_');
  const fresh = makeTempDir(dir, `..${stamp}.`);
  fs.chmodSync(fresh, 0o755);
  for (const [rel, f] of payload) {
    const p = path.join(fresh, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.data);
    // The mode is exact (not subject to the umask), as the kubelet sets it.
    fs.chmodSync(p, f.mode & 0o777);
  }
  return path.basename(fresh);
}

/**
 * makeTempDir creates a new directory named prefix + a random number, as Go's os.MkdirTemp (which
 * the kubelet's writer uses) names it: `..2026_11_28_02_10_07.797706023` in `ls -la` of a volume.
 */
function makeTempDir(dir: string, prefix: string): string {
  for (;;) {
    const p = path.join(dir, prefix + String(randomBytes(4).readUInt32LE()));
    try {
      fs.mkdirSync(p, 0o700);
      return p;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** updateVisibleLinks makes the top-level names link into ..data, and removes names no longer there. */
function updateVisibleLinks(dir: string, names: Set<string>): void {
  for (const e of fs.readdirSync(dir)) {
    if (e.startsWith('..') || names.has(e)) continue;
    fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const want = `${DATA_DIR}/${name}`;
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(p); } catch { /* new */ }
    if (st?.isSymbolicLink() && fs.readlinkSync(p) === want) continue;
    // A file or directory of the layout before links (an agent upgraded under a running pod) gives way.
    if (st) fs.rmSync(p, { recursive: true, force: true });
    fs.symlinkSync(want, p);
  }
}
