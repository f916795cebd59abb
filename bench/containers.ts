/**
 * Container runtimes benchmark: the same 20 pods (`sleep 3600`) on one node of `tskube up` with
 * --runtime process, oci (runc) and cri (containerd, when installed), created through the API with
 * the image already on the node: create → Running p50/p99 and its ratio to the process runtime;
 * the memory each running container costs the node (the tskube process's RSS, and the PSS of
 * everything the node runs for its containers: agent, monitors/shims, containerd); and the pull
 * time of a 5-layer image from a local registry, cold (empty store) and warm (already there), by
 * the oci image store and by containerd. Figures only; never fails on time.
 * Run: node --import tsx bench/containers.ts (as root, with runc, docker-registry, busybox-static)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pct, procStats, startBench, type BenchCluster } from './lib.js';
import { buildBusyboxImage, pushImage, startRegistry, type TestRegistry } from '../src/runtime/oci/testing/index.js';
import { ImageStore } from '../src/runtime/oci/image/index.js';
import { BUSYBOX_STATIC, CONTAINERD, DOCKER_REGISTRY, hasTool, missingReason, ROOT, RUNC, type SystemTool } from '../src/testing/system-tools.js';

const PODS = Number(process.env.PODS ?? 20);
const PULLS = Number(process.env.PULLS ?? 5);

type Runtime = 'process' | 'oci' | 'cri';

interface StartFigures { runtime: Runtime; p50: number; p99: number; allRunningSec: number; rssPerContainerMiB: number; pssPerContainerMiB: number }

function median(xs: number[]): number {
  return pct(xs, 50);
}

/** parentOf maps every process to its parent, from /proc. */
function parents(): Map<number, number> {
  const m = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      m.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  return m;
}

/** tree is root and all its descendants. */
function tree(roots: number[]): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const todo = [...roots];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(byParent.get(p) ?? []));
  }
  return out;
}

/** pssMiB is a process's proportional set size (shared pages split between their users; RSS where smaps_rollup is missing). */
function pssMiB(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) / 1024;
  } catch {
    try { return procStats(pid).rssMiB; } catch { return 0; }
  }
}

/** nodeRoots are the processes the node runs containers with: tskube (agent in-process), and for cri containerd and its shims. */
function nodeRoots(tskubePid: number, containerd?: { pid: number; dir: string }): number[] {
  const roots = [tskubePid];
  if (containerd) {
    roots.push(containerd.pid);
    // the shims daemonize away from containerd: found by the socket address in their command line
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        if (cmd.includes('containerd-shim') && cmd.includes(containerd.dir)) roots.push(Number(d));
      } catch { /* gone */ }
    }
  }
  return roots;
}

function nodePssMiB(roots: number[]): number {
  return [...new Set(tree(roots))].reduce((sum, pid) => sum + pssMiB(pid), 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitNodeReady(c: BenchCluster): Promise<void> {
  for (;;) {
    const node = (await c.call<{ items?: { status?: { conditions?: { type: string; status: string }[] } }[] }>('GET', '/api/v1/nodes')).items?.[0];
    if (node?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) return;
    await sleep(200);
  }
}

const podOf = (name: string, image: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, command: ['sleep', '3600'] }] },
});

async function deleteAll(c: BenchCluster): Promise<void> {
  await c.call('DELETE', '/api/v1/namespaces/default/pods?gracePeriodSeconds=0');
  for (;;) {
    const left = (await c.call<{ items?: unknown[] }>('GET', '/api/v1/namespaces/default/pods')).items ?? [];
    if (left.length === 0) return;
    await sleep(200);
  }
}

/** startPods creates count pods (16 in flight, as bench/pod-startup.ts) and resolves with create → Running latencies. */
async function startPods(c: BenchCluster, image: string, prefix: string, count: number): Promise<{ latencies: number[]; seconds: number }> {
  const rv = (await c.call<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/namespaces/default/pods?limit=1')).metadata.resourceVersion;
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const seen = new Set<string>();
  const watching = c.watchUntil(`/api/v1/namespaces/default/pods?resourceVersion=${rv}`, (ev) => {
    const name = ev.object?.metadata?.name as string;
    const t0 = sent.get(name);
    if (t0 !== undefined && ev.object.status?.phase === 'Running' && !seen.has(name)) {
      seen.add(name);
      latencies.push(performance.now() - t0);
    }
    return seen.size >= count;
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(16, count) }, async () => {
    while (next < count) {
      const name = `${prefix}-${next++}`;
      sent.set(name, performance.now());
      await c.call('POST', '/api/v1/namespaces/default/pods', podOf(name, image));
    }
  }));
  await watching;
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

async function runtimeStarts(runtime: Runtime, args: string[], image: string, containerd?: { pid: number; dir: string }): Promise<StartFigures> {
  const c = await startBench(['--nodes', '1', '--runtime', runtime, ...args], 1);
  try {
    await waitNodeReady(c);
    // warm-up: the image is pulled (and unpacked) once, so the figures are container starts
    await startPods(c, image, 'warm', 1);
    await deleteAll(c);
    await sleep(3000);
    const roots = nodeRoots(c.proc.pid!, containerd);
    const pss0 = nodePssMiB(roots);
    const rss0 = procStats(c.proc.pid!).rssMiB;
    const { latencies, seconds } = await startPods(c, image, 'bench', PODS);
    await sleep(3000);
    const pss1 = nodePssMiB(nodeRoots(c.proc.pid!, containerd));
    const rss1 = procStats(c.proc.pid!).rssMiB;
    const f: StartFigures = {
      runtime, p50: pct(latencies, 50), p99: pct(latencies, 99), allRunningSec: seconds,
      rssPerContainerMiB: (rss1 - rss0) / PODS, pssPerContainerMiB: (pss1 - pss0) / PODS,
    };
    console.log(`${runtime.padEnd(8)} create → Running p50 ${f.p50.toFixed(0)} ms  p99 ${f.p99.toFixed(0)} ms  (all ${PODS} Running after ${seconds.toFixed(1)} s)`);
    console.log(`${''.padEnd(8)} per running container: tskube process RSS +${f.rssPerContainerMiB.toFixed(2)} MiB; node PSS (agent, monitors/shims, containers${containerd ? ', containerd' : ''}) +${f.pssPerContainerMiB.toFixed(2)} MiB`);
    await deleteAll(c);
    return f;
  } finally {
    await c.stop();
  }
}

/** fiveLayerImage is busybox plus four layers of 2 MiB of random bytes each (incompressible: what is pulled is what is stored). */
async function fiveLayerImage() {
  return buildBusyboxImage({
    cmd: ['sh'],
    extraLayers: [1, 2, 3, 4].map((i) => [{ name: `data${i}`, type: 'directory' as const }, { name: `data${i}/blob`, content: randomBytes(2 * 1024 * 1024) }]),
  });
}

async function ociPulls(ref: string): Promise<void> {
  const cold: number[] = [];
  const coldUnpacked: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < PULLS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-pull-'));
    try {
      const store = new ImageStore({ root: join(dir, 'images') });
      let t = performance.now();
      const img = await store.pull(ref);
      cold.push(performance.now() - t);
      await store.rootfsOf(img);
      coldUnpacked.push(performance.now() - t);
      t = performance.now();
      await store.pull(ref);
      warm.push(performance.now() - t);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`oci      5-layer pull (median of ${PULLS}): cold ${median(cold).toFixed(0)} ms (+ unpack: ${median(coldUnpacked).toFixed(0)} ms), warm ${median(warm).toFixed(1)} ms  (cold/warm ${(median(cold) / median(warm)).toFixed(0)}×)`);
}

async function criPulls(endpoint: string, ref: string): Promise<void> {
  const { CriRuntime } = await import('../src/runtime/cri/index.js');
  const rt = await new CriRuntime({ endpoint }).connect();
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < PULLS; i++) {
      await rt.removeImage(ref).catch(() => undefined);
      let t = performance.now();
      await rt.pullImage(ref);
      cold.push(performance.now() - t);
      t = performance.now();
      await rt.pullImage(ref);
      warm.push(performance.now() - t);
    }
    console.log(`cri      5-layer pull (median of ${PULLS}, containerd unpacks as it pulls): cold ${median(cold).toFixed(0)} ms, warm ${median(warm).toFixed(1)} ms  (cold/warm ${(median(cold) / median(warm)).toFixed(0)}×)`);
  } finally {
    await rt.close();
  }
}

function missing(...tools: SystemTool[]): string | undefined {
  const m = tools.filter((t) => !hasTool(t));
  return m.length ? m.map(missingReason).join('; ') : undefined;
}

async function main(): Promise<void> {
  const cannot = missing(ROOT, RUNC, DOCKER_REGISTRY, BUSYBOX_STATIC);
  if (cannot) {
    console.log(`containers benchmark skipped: ${cannot}`);
    return;
  }
  const reg: TestRegistry = await startRegistry();
  let containerd: Awaited<ReturnType<typeof import('../src/runtime/cri/testing/containerd.js').startContainerd>> | undefined;
  try {
    await pushImage(reg.host, 'library/busybox:1', await buildBusyboxImage());
    await pushImage(reg.host, 'bench/five:1', await fiveLayerImage());
    const busybox = `${reg.host}/library/busybox:1`;
    const five = `${reg.host}/bench/five:1`;

    let criNote = missing(CONTAINERD);
    if (!criNote) {
      try {
        const { pushPauseImage, startContainerd } = await import('../src/runtime/cri/testing/containerd.js');
        containerd = await startContainerd({ sandboxImage: await pushPauseImage(reg.host), plainHttpRegistries: [reg.host], cni: 'template' });
      } catch (e) {
        criNote = `containerd did not start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      }
    }

    console.log(`\n== image pulls from a local registry (${reg.host}): 5 layers, ${((await fiveLayerImage()).layers.reduce((n, l) => n + l.data.length, 0) / 1048576).toFixed(1)} MiB`);
    await ociPulls(five);
    if (containerd) await criPulls(containerd.endpoint, five);
    else console.log(`cri      skipped: ${criNote}`);

    console.log(`\n== container start: ${PODS} pods (sleep 3600) on one node, image already there, created through the API (16 in flight)`);
    const figures: StartFigures[] = [];
    figures.push(await runtimeStarts('process', [], 'busybox'));
    figures.push(await runtimeStarts('oci', [], busybox));
    if (containerd) figures.push(await runtimeStarts('cri', ['--cri-endpoint', containerd.endpoint], busybox, { pid: containerd.pid, dir: containerd.dir }));
    else console.log(`cri      skipped: ${criNote}`);

    const base = figures[0]!;
    console.log('\n== ratios to the process runtime');
    for (const f of figures.slice(1)) {
      console.log(`${f.runtime.padEnd(8)} start p50 ×${(f.p50 / base.p50).toFixed(2)}  p99 ×${(f.p99 / base.p99).toFixed(2)}  node PSS per container ×${(f.pssPerContainerMiB / base.pssPerContainerMiB).toFixed(2)}`);
    }
  } finally {
    await containerd?.stop();
    await reg.stop();
  }
}

if (!existsSync('/proc/self/smaps_rollup')) console.log('(no /proc/*/smaps_rollup: PSS falls back to RSS)');
await main();
