import fs from 'node:fs';
import path from 'node:path';

/**
 * execLookupError says why runc could not start `command` in a container whose filesystem is seen
 * at `root` (a container's /proc/<pid>/root), as runc words it (Go's exec.LookPath): a bare name is
 * searched on PATH, a name with a slash is taken as it is (relative to `cwd`). undefined when it
 * can be started — or when it cannot be told from here, in which case starting it decides.
 * `only`: the image's programs, when it holds no others (container paths).
 */
export function execLookupError(root: string, command: string, pathEnv: string | undefined, cwd = '/', only?: readonly string[]): string | undefined {
  if (!command) return `exec: "": executable file not found in $PATH`;
  // An image that holds only these programs: the host's tools under its root are not its own.
  const problemOf = only ? (p: string) => (only.includes(p) ? undefined : 'missing' as const) : (p: string) => executableProblem(path.join(root, p));
  // A root this process cannot see (the container just ended, /proc hidden) proves nothing.
  if (!isDirectory(root)) return undefined;
  if (command.includes('/')) {
    const inContainer = path.posix.resolve(cwd || '/', command);
    const problem = problemOf(inContainer);
    if (problem === 'missing') return `exec: "${command}": stat ${command}: no such file or directory`;
    if (problem === 'not-executable') return `exec: "${command}": permission denied`;
    return undefined;
  }
  for (const dir of (pathEnv ?? '').split(':')) {
    // An empty PATH element is the working directory, as for Go's LookPath.
    const inContainer = path.posix.resolve(cwd || '/', dir || '.', command);
    const problem = problemOf(inContainer);
    if (problem === undefined || problem === 'unknown') return undefined;
  }
  return `exec: "${command}": executable file not found in $PATH`;
}

function isDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

/** executableProblem: undefined for an executable regular file; 'unknown' when it cannot be looked at. */
function executableProblem(file: string): 'missing' | 'not-executable' | 'unknown' | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unknown';
  }
  return !st.isDirectory() && (st.mode & 0o111) !== 0 ? undefined : 'not-executable';
}
