import fs from 'node:fs';
import path from 'node:path';

/** REPLACED_DIRS are the container root's directories that are not the node's root filesystem (see setup-script.ts). */
const REPLACED_DIRS = ['/proc', '/tmp', '/dev', '/sys'];
/** MAX_SYMLINKS is Linux's limit on symlinks followed in one path lookup. */
const MAX_SYMLINKS = 40;

/**
 * resolveMountPaths resolves the symlinks in the parent directories of a container's mount points
 * (in order: a mount may lie inside an earlier one) as the container's root shows them, where the
 * node can tell: the container's root is an overlay over the node's root filesystem, so a directory
 * or symlink on that filesystem — outside /proc, /tmp, /dev, /sys and the container's other
 * mounts — is the same inside. There the setup script needs no realpath process (/var/run -> /run
 * of every service account token); where the node cannot tell, the path is left as it is and the
 * script resolves it inside the container's root.
 */
export function resolveMountPaths(containerPaths: string[], o: ResolveOptions = {}): string[] {
  const root = o.root ?? '/';
  const opts = { root, rootDev: o.rootDev ?? fs.statSync(root).dev, replaced: o.replaced ?? REPLACED_DIRS };
  const done: string[] = [];
  for (const p of containerPaths) {
    const dir = path.posix.dirname(p);
    done.push(dir === '/' || dir === '.' ? p : path.posix.join(resolveDir(dir, done, opts), path.posix.basename(p)));
  }
  return done;
}

/** ResolveOptions: the node's root (tests: a directory standing for it), its device, the directories the container replaces. */
export interface ResolveOptions { root?: string; rootDev?: number; replaced?: string[] }

function resolveDir(dir: string, earlier: string[], o: Required<ResolveOptions>): string {
  const covered = (p: string) => [...o.replaced, ...earlier].some((m) => p === m || p.startsWith(m === '/' ? '/' : `${m}/`));
  let rest = dir.split('/').filter(Boolean);
  let out = '';
  for (let links = 0; rest.length;) {
    const part = rest.shift()!;
    if (part === '.') continue;
    if (part === '..') { out = path.posix.dirname(out || '/'); if (out === '/') out = ''; continue; }
    const cand = `${out}/${part}`;
    const leave = () => [cand, ...rest].join('/');
    if (covered(cand)) return leave();
    let st: fs.Stats;
    try { st = fs.lstatSync(path.join(o.root, cand)); } catch { return leave(); }
    // Another filesystem mounted here on the node (a tmpfs /run): the overlay shows what lies under it.
    if (st.dev !== o.rootDev) return leave();
    if (!st.isSymbolicLink()) { out = cand; continue; }
    if (++links > MAX_SYMLINKS) return leave();
    const target = fs.readlinkSync(path.join(o.root, cand));
    if (target.startsWith('/')) out = '';
    rest = [...target.split('/').filter(Boolean), ...rest];
  }
  return out || '/';
}
