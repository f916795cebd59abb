// Compiles the container init (src/runtime/process/init/tskube-init.c) into dist/tskube-init when
// a C compiler is there and the binary is missing or older than its source. The process runtime
// uses it where it exists; without it, the setup script (bash, mount, cp, chroot, env, setpriv)
// does the same work with a handful of processes more per container.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const INIT_SOURCE = join(ROOT, 'src', 'runtime', 'process', 'init', 'tskube-init.c');
export const INIT_BINARY = join(ROOT, 'dist', 'tskube-init');

/** compilers are tried in order: the first found builds (statically when it can: no dynamic loader at each container start). */
const COMPILERS = ['cc', 'gcc', 'clang'];

/** buildInit (re)builds dist/tskube-init; resolves to why not when it cannot (no compiler, a failed compile), else undefined. */
export function buildInit() {
  if (existsSync(INIT_BINARY) && statSync(INIT_BINARY).mtimeMs >= statSync(INIT_SOURCE).mtimeMs) return undefined;
  const cc = COMPILERS.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!cc) return 'no C compiler (apt-get install gcc libc6-dev)';
  mkdirSync(dirname(INIT_BINARY), { recursive: true });
  const tmp = `${INIT_BINARY}.${process.pid}.tmp`;
  try {
    let why = '';
    for (const link of [['-static'], []]) {
      const r = spawnSync(cc, ['-O2', '-Wall', ...link, '-o', tmp, INIT_SOURCE], { encoding: 'utf8' });
      if (r.status === 0) {
        renameSync(tmp, INIT_BINARY);
        return undefined;
      }
      why = (r.stderr || r.error?.message || `${cc} failed`).trim().split('\n').slice(-3).join('; ');
    }
    return `${cc} failed: ${why}`;
  } finally {
    rmSync(tmp, { force: true });
  }
}
