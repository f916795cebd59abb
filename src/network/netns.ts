import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from './command/command.js';

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

/** deleteNetns removes a named network namespace; a namespace already gone is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  try {
    await run('ip', ['netns', 'delete', name]);
  } catch (e) {
    if (existsSync(netnsPath(name))) throw e;
  }
}

/** listNetns lists the named network namespaces whose name starts with prefix. */
export function listNetns(prefix = NETNS_PREFIX): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return [];
  }
}
