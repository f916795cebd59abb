/**
 * Idle cluster memory (issue 11: a whole idle cluster, control plane + 3 agents, < 150 MB RSS):
 * `tskube up --nodes 3` (everything in one process), and `tskube up --simulated-nodes 1000`; each
 * is left to settle once its nodes are registered, then its RSS (and that of any processes it
 * started, e.g. pods of system add-ons) and its CPU use while idle are printed.
 * Figures only; never fails. Run: node --import tsx bench/idle.ts   (SETTLE_S=30 SIM_NODES=1000; SIM_NODES=0 skips the second cluster)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { procStats, startBench } from './lib.js';

/**
 * More than 256 nodes need a pod range wider than the default 10.244.0.0/16 cut in /24s (node IPAM
 * would leave the rest without a podCIDR and retry them forever): a /14 gives 1,024 node subnets.
 */
const clusterCidrFor = (nodes: number) => (nodes > 256 ? ['--cluster-cidr', '10.128.0.0/14'] : []);

const SETTLE_S = Number(process.env.SETTLE_S ?? 30);
const SIM_NODES = Number(process.env.SIM_NODES ?? 1000);
const GOAL_MB = 150;

/** descendants lists the pids whose parent chain leads to pid. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

/** treeRss sums the RSS of pid's descendants (MiB), skipping any that exit while read. */
function treeRss(pid: number): number {
  let sum = 0;
  for (const c of descendants(pid)) { try { sum += procStats(c).rssMiB; } catch { /* exited */ } }
  return sum;
}

async function idle(label: string, args: string[], nodes: number): Promise<void> {
  const t0 = performance.now();
  const c = await startBench(args, nodes);
  const pid = c.proc.pid!;
  console.log(`== ${label}: ${nodes} nodes registered after ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${procStats(pid).rssMiB.toFixed(0)} MiB; settling ${SETTLE_S} s`);
  // Settle: sample every 5 s so a growing RSS shows as such.
  const cpu0 = procStats(pid).cpuSec;
  const samples: number[] = [];
  for (let s = 0; s < SETTLE_S; s += 5) {
    await new Promise((r) => setTimeout(r, 5000));
    samples.push(procStats(pid).rssMiB);
  }
  const end = procStats(pid);
  const kids = treeRss(pid);
  const names = descendants(pid).map((k) => { try { return readFileSync(`/proc/${k}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ').slice(0, 80); } catch { return '?'; } });
  const idleCpu = (end.cpuSec - cpu0) / SETTLE_S;
  console.log(`  RSS over the settle (every 5 s): ${samples.map((x) => x.toFixed(0)).join(', ')} MiB`);
  console.log(`  idle: RSS ${end.rssMiB.toFixed(0)} MiB (${(end.rssMiB * 1.048576).toFixed(0)} MB) in the tskube process, ${kids.toFixed(0)} MiB in ${names.length} processes it started${names.length ? ` (${names.join('; ')})` : ''}; CPU ${(idleCpu * 100).toFixed(1)} % of a core`);
  if (nodes === 3) console.log(`  goal: < ${GOAL_MB} MB → ${((end.rssMiB + kids) * 1.048576).toFixed(0)} MB (${(((end.rssMiB + kids) * 1.048576) / GOAL_MB).toFixed(2)}× the goal)`);
  await c.stop();
}

await idle('tskube up --nodes 3 (control plane and 3 node agents in one process)', ['--nodes', '3'], 3);
if (SIM_NODES > 0) await idle(`tskube up --nodes 0 --simulated-nodes ${SIM_NODES}`, ['--nodes', '0', '--simulated-nodes', String(SIM_NODES), ...clusterCidrFor(SIM_NODES)], SIM_NODES);
process.exit(0);
