import { readdirSync, readFileSync } from 'node:fs';

/** descendants lists the pids whose parent chain leads to pid (children first), read from /proc; processes exiting meanwhile are skipped. */
export function descendants(pid: number, procDir = '/proc'): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync(procDir)) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`${procDir}/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) out.push(...(children.get(i < 0 ? pid : out[i]) ?? []));
  return out;
}
