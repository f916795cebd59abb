/**
 * Stop benchmark: `tskube up --nodes 3` (the bundle, as `npm start` runs it) with a Deployment of
 * N `sleep` pods Running, then SIGINT (what Ctrl-C sends): prints how long until the tskube process
 * has exited and until every process it had started is gone, and what it left on the host
 * (interfaces, network namespaces, mounts). The watcher is this process polling /proc every 5 ms,
 * nothing else: a shell loop forking `awk` and `sleep` to watch took a third of the CPU of a
 * 2-core machine and added ~0.5 s to the figure. Figures only; never fails on time.
 * Run: node --import tsx bench/stop.ts   (STOP_PODS=30,100 by default; as root, for the pods' namespaces)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { startBench } from './lib.js';

const sizes = (process.env.STOP_PODS ?? '30,100').split(',').map(Number).filter((n) => n > 0);
process.env.BENCH_ENTRY ??= 'bundle';

/** descendants lists pid's processes and theirs, recursively (read before the signal: after it they go). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    let kids: number[] = [];
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) {
        try { kids = kids.concat(readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number)); } catch { /* thread gone */ }
      }
    } catch { /* process gone */ }
    out.push(...kids);
    todo.push(...kids);
  }
  return out;
}

/** alive: the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch { return false; }
}

/** hostState is what a cluster leaves on the machine, as sets of names. */
function hostState(): { links: Set<string>; netns: Set<string>; mounts: number } {
  const links = new Set(execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' }).split('\n').map((l) => l.split(/[\s@]/)[0]).filter(Boolean));
  const netns = new Set(existsSync('/run/netns') ? readdirSync('/run/netns') : []);
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes('tskube')).length;
  return { links, netns, mounts };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopRun(pods: number): Promise<void> {
  const before = hostState();
  const c = await startBench(['--nodes', '3', '--cluster-cidr', '10.76.0.0/16'], 3);
  c.kubectl(['create', 'deployment', 'sleepers', '--image=busybox', `--replicas=${pods}`, '--', 'sleep', '3600']);
  for (;;) {
    const list = await c.call<{ items?: { status?: { phase?: string } }[] }>('GET', '/api/v1/namespaces/default/pods');
    if ((list.items ?? []).filter((p) => p.status?.phase === 'Running').length >= pods) break;
    await sleep(500);
  }
  await sleep(2000);
  const pid = c.proc.pid!;
  const all = descendants(pid);
  const t0 = performance.now();
  c.proc.kill('SIGINT');
  let exited: number | undefined;
  for (;;) {
    if (exited === undefined && !alive(pid)) exited = performance.now() - t0;
    if (exited !== undefined && !all.some(alive)) break;
    await sleep(5);
  }
  const gone = performance.now() - t0;
  const after = hostState();
  const newLinks = [...after.links].filter((l) => !before.links.has(l));
  const newNetns = [...after.netns].filter((n) => !before.netns.has(n));
  console.log(`${pods} pods on 3 nodes (${all.length} processes under tskube): tskube exited after ${(exited! / 1000).toFixed(2)} s, all its processes after ${(gone / 1000).toFixed(2)} s (goal 1 s)`);
  console.log(`  left on the host: ${newLinks.length} interfaces${newLinks.length ? ` (${newLinks.join(' ')})` : ''}, ${newNetns.length} network namespaces, ${after.mounts - before.mounts} tskube mounts; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  rmSync(c.dir, { recursive: true, force: true });
}

if (process.getuid?.() !== 0) console.log('stop benchmark: run as root (the pods\' network namespaces and mounts need it)');
else for (const n of sizes) await stopRun(n);
