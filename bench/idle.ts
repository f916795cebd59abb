/**
 * Idle cluster memory (issue 11: a whole idle cluster, control plane + 3 agents, < 150 MB RSS):
 * `tskube up --nodes 3` (everything in one process), and `tskube up --simulated-nodes 1000`; each
 * is left to settle once its nodes are registered, then its RSS (and that of any processes it
 * started: the command helper while it lives, pods of system add-ons) and its CPU use while idle
 * are printed. The sum of the tskube process and its descendants is what is held against the goal.
 *
 * Two ways to run tskube are measured (ENTRIES, comma-separated):
 * - bundle: dist/tskube.cjs through bin/tskube.js, what `npm start` and `npx tskube up` run (rebuilt here first);
 * - tsx: `node --import tsx src/cli/main.ts`, the development path (tsx keeps every module's
 *   transpiled source and source map: ~25 MiB more).
 * MEM_BREAKDOWN=1 preloads bench/memory-probe.mjs and prints, at the end of the settle, where the
 * tskube process's memory is (V8 heap spaces, malloc heap, the node binary's pages, ...).
 * Figures only; never fails. Run: node --import tsx bench/idle.ts
 *   (SETTLE_S=30 SIM_NODES=1000 ENTRIES=bundle,tsx MEM_BREAKDOWN=0; SIM_NODES=0 skips the simulated cluster, which uses the first entry)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, procStats, startBench } from './lib.js';
import { descendants } from '../src/testing/process-tree.js';

/**
 * More than 256 nodes need a pod range wider than the default 10.244.0.0/16 cut in /24s (node IPAM
 * would leave the rest without a podCIDR and retry them forever): a /14 gives 1,024 node subnets.
 */
const clusterCidrFor = (nodes: number) => (nodes > 256 ? ['--cluster-cidr', '10.128.0.0/14'] : []);

const SETTLE_S = Number(process.env.SETTLE_S ?? 30);
const SIM_NODES = Number(process.env.SIM_NODES ?? 1000);
const GOAL_MB = 150;
const ENTRIES = (process.env.ENTRIES ?? 'bundle,tsx').split(',').filter((e): e is Entry => e === 'bundle' || e === 'tsx');
const MEM_BREAKDOWN = process.env.MEM_BREAKDOWN === '1';
const ROOT = new URL('..', import.meta.url).pathname;
const PROBE = join(ROOT, 'bench/memory-probe.mjs');
type Entry = 'bundle' | 'tsx';

/** Idling is a running cluster: its process, and how to stop it. */
interface Idling { pid: number; stop(): Promise<void> }

/**
 * startBundle runs `node bin/tskube.js up` (the bundle, current after buildBundle) and waits until
 * wantNodes nodes are registered.
 */
async function startBundle(args: string[], wantNodes: number, nodeFlags: string[]): Promise<Idling> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-'));
  const proc = spawn(process.execPath, [...nodeFlags, join(ROOT, 'bin/tskube.js'), 'up', '--data-dir', dir, '--port', '0', '--log-level', 'warn', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => { out += d; if (out.includes('tskube is running')) resolve(); });
    proc.once('exit', (c) => reject(new Error(`tskube up exited ${c}`)));
  });
  const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
  for (;;) {
    const r = spawnSync('kubectl', ['get', 'nodes', '-o', 'name'], { env, encoding: 'utf8' });
    if (r.status === 0 && r.stdout.split('\n').filter(Boolean).length >= wantNodes) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: proc.pid!,
    async stop() {
      await new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** start runs tskube up one way, with the memory probe preloaded when MEM_BREAKDOWN is set. */
async function start(entry: Entry, args: string[], nodes: number, probeOut: string): Promise<Idling> {
  const flags = MEM_BREAKDOWN ? ['--import', PROBE] : [];
  // The probe finds its output file in the environment tskube inherits.
  process.env.MEM_PROBE_OUT = probeOut;
  if (entry === 'bundle') return startBundle(args, nodes, flags);
  const saved = process.env.BENCH_NODE_FLAGS;
  process.env.BENCH_NODE_FLAGS = [saved ?? '', ...flags].join(' ');
  try {
    const c = await startBench(args, nodes);
    return { pid: c.proc.pid!, stop: () => c.stop() };
  } finally {
    if (saved === undefined) delete process.env.BENCH_NODE_FLAGS; else process.env.BENCH_NODE_FLAGS = saved;
  }
}

/** breakdown asks the probe in pid for its figures (MEM_BREAKDOWN) and prints them. */
async function breakdown(pid: number, file: string): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(file)) { console.log('  breakdown: the probe did not answer'); return; }
  await new Promise((r) => setTimeout(r, 100));
  const b = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`  breakdown of the tskube process (MiB): RSS ${b.rssMiB} = node binary ${b.nodeBinaryMiB} + libraries/addons ${b.librariesMiB} + malloc heap ${b.mallocHeapMiB} + anonymous ${b.anonymousMiB} (V8 heap, malloc arenas, thread stacks)`);
  console.log(`    V8 heap committed ${b.v8.committedMiB}, used ${b.v8.usedMiB}: ${Object.entries(b.v8.spaces as Record<string, { committed: number; used: number }>).map(([k, v]) => `${k} ${v.committed}/${v.used}`).join(', ')}; external ${b.externalMiB} (array buffers ${b.arrayBuffersMiB}), V8 malloced ${b.v8.mallocedMiB}`);
  rmSync(file, { force: true });
}

/** treeRss sums the RSS of pid's descendants (MiB), skipping any that exit while read. */
function treeRss(pid: number): number {
  let sum = 0;
  for (const c of descendants(pid)) { try { sum += procStats(c).rssMiB; } catch { /* exited */ } }
  return sum;
}

async function idle(entry: Entry, label: string, args: string[], nodes: number): Promise<void> {
  const t0 = performance.now();
  const probeOut = join(tmpdir(), `tskube-memory-probe-${process.pid}.json`);
  const c = await start(entry, args, nodes, probeOut);
  const pid = c.pid;
  console.log(`== [${entry}] ${label}: ${nodes} nodes registered after ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${procStats(pid).rssMiB.toFixed(0)} MiB; settling ${SETTLE_S} s`);
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
  if (MEM_BREAKDOWN) await breakdown(pid, probeOut);
  await c.stop();
}

if (ENTRIES.includes('bundle')) buildBundle();
console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
for (const entry of ENTRIES) await idle(entry, 'tskube up --nodes 3 (control plane and 3 node agents in one process)', ['--nodes', '3'], 3);
if (SIM_NODES > 0 && ENTRIES.length) await idle(ENTRIES[0], `tskube up --nodes 0 --simulated-nodes ${SIM_NODES}`, ['--nodes', '0', '--simulated-nodes', String(SIM_NODES), ...clusterCidrFor(SIM_NODES)], SIM_NODES);
console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
process.exit(0);
