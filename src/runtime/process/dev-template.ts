import fs from 'node:fs';
import path from 'node:path';

/**
 * DEV_SYMLINKS are the links runc puts in every container's /dev (its default /dev/core -> /proc/kcore
 * is left out: Kubernetes' runtimes do not expose the kernel's memory image).
 */
export const DEV_SYMLINKS: Readonly<Record<string, string>> = {
  fd: '/proc/self/fd', stdin: '/proc/self/fd/0', stdout: '/proc/self/fd/1', stderr: '/proc/self/fd/2',
};
/** DEV_NODES are the node's device nodes copied into every container's /dev (runc's default devices, with /dev/ptmx). */
export const DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx'] as const;
/** DEV_DIRS are the mount points of /dev/pts (the node's devpts) and /dev/shm (a tmpfs). */
export const DEV_DIRS = ['pts', 'shm'] as const;

/**
 * prepareDevTemplate makes (or completes) the directory the setup script copies into a container's
 * fresh /dev tmpfs, with the device nodes, in one cp: the symlinks and the mount points pts and shm.
 * Made once per runtime, so that a container's start forks no mkdir or ln for them.
 */
export function prepareDevTemplate(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [name, target] of Object.entries(DEV_SYMLINKS)) {
    const p = path.join(dir, name);
    let cur: string | undefined;
    try { cur = fs.readlinkSync(p); } catch { /* missing, or not a symlink */ }
    if (cur === target) continue;
    fs.rmSync(p, { recursive: true, force: true });
    fs.symlinkSync(target, p);
  }
  for (const name of DEV_DIRS) fs.mkdirSync(path.join(dir, name), { recursive: true, mode: 0o755 });
  return dir;
}

/**
 * containerDevices are the node's device nodes a container's /dev gets: the standard ones, and a
 * privileged container every one (containerd gives it all the host's devices).
 */
export function containerDevices(privileged: boolean, devDir = '/dev'): string[] {
  const std = DEV_NODES.map((n) => path.join(devDir, n)).filter((p) => exists(p));
  return privileged ? [...std, ...hostDeviceNodes(devDir)] : std;
}

function exists(p: string): boolean {
  try { fs.lstatSync(p); return true; } catch { return false; }
}

/**
 * hostDeviceNodes lists the character and block devices directly in the node's /dev other than the
 * ones every container gets: what a privileged container sees in addition (containerd gives it all
 * the host's devices).
 */
export function hostDeviceNodes(devDir = '/dev'): string[] {
  const standard = new Set<string>([...DEV_NODES, ...DEV_DIRS, ...Object.keys(DEV_SYMLINKS)]);
  let names: fs.Dirent[];
  try { names = fs.readdirSync(devDir, { withFileTypes: true }); } catch { return []; }
  // The names go to the setup script space-separated: a name with white space in it is left out.
  return names.filter((d) => (d.isCharacterDevice() || d.isBlockDevice()) && !standard.has(d.name) && !/\s/.test(d.name))
    .map((d) => path.join(devDir, d.name)).sort();
}
