import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PinnedNamespaces are the files a sandbox's UTS and IPC namespaces are bind-mounted on. */
export interface PinnedNamespaces { uts?: string; ipc?: string }

/**
 * pinNamespaces creates a UTS namespace (with the pod's hostname) and an IPC namespace that outlive
 * any process, bind-mounted on files in dir (`unshare --uts=FILE --ipc=FILE`), as a pause container
 * holds them for a CRI runtime: every container of the pod joins them, so they share one hostname
 * and System V IPC.
 */
export async function pinNamespaces(dir: string, hostname: string, which: { uts: boolean; ipc: boolean }): Promise<PinnedNamespaces> {
  const pins: PinnedNamespaces = {};
  const args: string[] = [];
  if (which.uts) { pins.uts = join(dir, 'uts'); args.push(`--uts=${pins.uts}`); }
  if (which.ipc) { pins.ipc = join(dir, 'ipc'); args.push(`--ipc=${pins.ipc}`); }
  if (!args.length) return pins;
  for (const f of [pins.uts, pins.ipc]) if (f) writeFileSync(f, '');
  try {
    await run('unshare', [...args, ...(which.uts ? ['hostname', hostname] : ['true'])]);
  } catch (e) {
    await unpinNamespaces(pins);
    throw e;
  }
  return pins;
}

/** unpinNamespaces unmounts and removes the pins; the namespaces go once no process uses them. */
export async function unpinNamespaces(pins: PinnedNamespaces): Promise<void> {
  for (const f of [pins.uts, pins.ipc]) {
    if (!f || !existsSync(f)) continue;
    await run('umount', [f]).catch(() => undefined);
    rmSync(f, { force: true });
  }
}

/** pinsExist reports whether every pin is still a mounted namespace (not just the placeholder file). */
export function pinsExist(pins: PinnedNamespaces): boolean {
  const wanted = [pins.uts, pins.ipc].filter((f): f is string => !!f);
  if (!wanted.length) return true;
  let mounts: Set<string>;
  try {
    // field 5 of mountinfo is the mount point, with spaces escaped as \040
    mounts = new Set(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' ')));
  } catch {
    return false;
  }
  return wanted.every((f) => mounts.has(f));
}
