import fs from 'node:fs';
import path from 'node:path';

/** CGROUP_ROOT is where the cgroup hierarchies are mounted. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * oomKillCount is how many processes the kernel's OOM killer killed in a cgroup (cgroupsPath,
 * absolute in each hierarchy): cgroup v1's memory.oom_control `oom_kill`, or v2's memory.events
 * `oom_kill` on a unified hierarchy. 0 when the cgroup or the counter is not there.
 * (A small reader of our own: the cgroups package of this issue may offer one later.)
 */
export function oomKillCount(cgroupsPath: string, root: string = CGROUP_ROOT): number {
  const rel = cgroupsPath.replace(/^\/+/, '');
  for (const file of [path.join(root, 'memory', rel, 'memory.oom_control'), path.join(root, rel, 'memory.events')]) {
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
    const m = /^oom_kill (\d+)$/m.exec(text);
    if (m) return Number(m[1]);
  }
  return 0;
}
