import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commands } from '../../network/command/command.js';
import { unmount } from '../../network/command/host-ops.js';
import { hasOwnFilesystem } from '../../util/mounts.js';

/** run runs a host command through the command helper; a non-zero exit rejects. */
const run = (file: string, args: string[]) => commands.runOk(file, args);

/** PinnedNamespaces are the files a sandbox's namespaces are bind-mounted on. */
export interface PinnedNamespaces { uts?: string; ipc?: string; net?: string }

/** the directories made shared mount points by this process (once each) */
const sharedMountPoints = new Map<string, Promise<void>>();

/**
 * ensureSharedMountPoint makes dir a shared mount point of its own (a recursive bind mount on
 * itself), as `ip netns add` does with /run/netns before it mounts a namespace there. A namespace
 * pinned while the directory is still a plain one is shadowed by the first later bind (`ip netns
 * add` from anyone): its copy above can be unmounted, the original below can then neither be
 * unmounted nor removed by its path. Recursive, as iproute2's: namespaces others pinned there
 * before (containerd does not make the directory a mount point) stay reachable. Serialized between
 * processes with flock, as parallel agents start together.
 */
export function ensureSharedMountPoint(dir: string): Promise<void> {
  let done = sharedMountPoints.get(dir);
  if (!done) {
    const script = '{ awk -v d="$0" \'$5 == d { found = 1 } END { exit !found }\' /proc/self/mountinfo || mount --rbind "$0" "$0"; } && mount --make-shared "$0"';
    mkdirSync(dir, { recursive: true });
    // flock on the directory itself: no lock file left behind
    done = run('flock', [dir, 'sh', '-c', script, dir]).then(() => undefined);
    done.catch(() => sharedMountPoints.delete(dir));
    sharedMountPoints.set(dir, done);
  }
  return done;
}

/** PinRequest says which namespaces a sandbox pins: UTS and IPC in its directory, the network one at netPath. */
export interface PinRequest { uts: boolean; ipc: boolean; netPath?: string }

/**
 * pinPaths are the files pinNamespaces will mount the namespaces on: known before they exist, so a
 * sandbox can record them first and an agent killed halfway leaves nothing no record names.
 */
export function pinPaths(dir: string, which: PinRequest): PinnedNamespaces {
  return {
    ...(which.uts ? { uts: join(dir, 'uts') } : {}),
    ...(which.ipc ? { ipc: join(dir, 'ipc') } : {}),
    ...(which.netPath ? { net: which.netPath } : {}),
  };
}

/**
 * pinNamespaces creates the namespaces of a pod sandbox that must outlive any process, each
 * bind-mounted on a file (as a pause container holds them for a CRI runtime): UTS with the pod's
 * hostname and IPC in dir, and the network namespace at netPath (under /run/netns, where `ip netns`
 * finds it) with its loopback interface up (what the CNI loopback plugin would do, without a plugin
 * run of its own). Every container of the pod joins them, so they share one hostname, System V IPC
 * and network. The command helper makes them with system calls (unshare, then setns back to its own); without it,
 * one `unshare --uts=FILE --ipc=FILE --net=FILE …` whose shell sets the hostname with a builtin
 * write and execs `ip link set lo up`.
 */
export async function pinNamespaces(dir: string, hostname: string, which: PinRequest): Promise<PinnedNamespaces> {
  const pins = pinPaths(dir, which);
  const args: string[] = [];
  if (pins.uts) args.push(`--uts=${pins.uts}`);
  if (pins.ipc) args.push(`--ipc=${pins.ipc}`);
  if (pins.net) args.push(`--net=${pins.net}`);
  if (!args.length) return pins;
  if (pins.net) await ensureSharedMountPoint(dirname(pins.net));
  for (const f of [pins.uts, pins.ipc, pins.net]) {
    if (!f) continue;
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, '', { flag: 'wx' });
  }
  try {
    // The helper enters them and returns (no process started); without it, unshare runs.
    const op = { op: 'pin' as const, ...pins, ...(which.uts ? { hostname } : {}), loopback: !!pins.net };
    await commands.runOpOk(op, 'unshare', [...args, ...inNamespaces(which.uts ? hostname : undefined, !!which.netPath)]);
  } catch (e) {
    await unpinNamespaces(pins);
    throw e;
  }
  return pins;
}

/**
 * inNamespaces is the command unshare runs in the new namespaces: the hostname written where the
 * kernel keeps the current UTS namespace's (as hostname(1) sets it), lo brought up.
 */
export function inNamespaces(hostname: string | undefined, loopback: boolean): string[] {
  const lo = ['ip', 'link', 'set', 'lo', 'up'];
  if (hostname === undefined) return loopback ? lo : ['true'];
  if (!loopback) return ['hostname', hostname];
  return ['/bin/sh', '-c', 'printf %s "$0" > /proc/sys/kernel/hostname && exec "$@"', hostname, ...lo];
}

/** unpinNamespaces unmounts and removes the pins (one umount for all); the namespaces go once no process uses them. */
export async function unpinNamespaces(pins: PinnedNamespaces): Promise<void> {
  const files = [pins.uts, pins.ipc, pins.net].filter((f): f is string => !!f && existsSync(f));
  if (!files.length) return;
  // A pin is a namespace file (nsfs) mounted on a placeholder: its device tells it from the placeholder.
  const toUnmount = files.filter(hasOwnFilesystem);
  if (toUnmount.length) await unmount(toUnmount, false).catch(() => undefined);
  for (const f of files) rmSync(f, { force: true });
}

/** pinsExist reports whether every pin is still a mounted namespace (not just the placeholder file). */
export function pinsExist(pins: PinnedNamespaces): boolean {
  const wanted = [pins.uts, pins.ipc, pins.net].filter((f): f is string => !!f);
  if (!wanted.length) return true;
  return wanted.every(hasOwnFilesystem);
}

