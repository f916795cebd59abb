import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from './command/command.js';
import { unmount } from './command/host-ops.js';

/** run runs a host command through the command helper; a non-zero exit rejects. */
const run = (file: string, args: string[]) => commands.runOk(file, args);

/** NETNS_DIR is where `ip netns` keeps named network namespaces (bind mounts of /proc/PID/ns/net). */
export const NETNS_DIR = '/run/netns';

/** NETNS_PREFIX starts the name of every network namespace tskube creates, so they are easy to find (`ip netns list`). */
export const NETNS_PREFIX = 'tskube-';

/** netnsPath is the path a named namespace is mounted at (CNI_NETNS). */
export function netnsPath(name: string): string {
  return join(NETNS_DIR, name);
}

/** createNetns creates a named network namespace (`ip netns add`) and returns its path. */
export async function createNetns(name: string): Promise<string> {
  await run('ip', ['netns', 'add', name]);
  return netnsPath(name);
}

/**
 * deleteNetns removes a named network namespace as `ip netns delete` does: its mount detached
 * (umount2 with MNT_DETACH, by the command helper's system call), then its file removed; the
 * namespace goes once no process is in it. A namespace already gone is not an error.
 */
export async function deleteNetns(name: string): Promise<void> {
  const file = netnsPath(name);
  if (!existsSync(file)) return;
  // As iproute2, an unmount that fails (not mounted) does not stop the removal.
  await unmount([file], true).catch(() => undefined);
  rmSync(file, { force: true });
}

/** listNetns lists the named network namespaces whose name starts with prefix. */
export function listNetns(prefix = NETNS_PREFIX): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return [];
  }
}
