/**
 * Pod startup benchmark: `tskube up --nodes 3`, 100 pods running `sleep 3600`; prints create →
 * Running latency p50/p99 (from the client's clock: POST sent → watch shows phase Running) and the
 * tskube process's CPU time and RSS while they run. Also scheduling throughput with simulated
 * nodes. Figures only; never fails on time. Run: node --import tsx bench/pod-startup.ts
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const PODS = Number(process.env.PODS ?? 100);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
function procStats(pid: number): { cpuSec: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return { cpuSec: ticks / 100, rssMiB: rss };
}

/**
 * treeCpuSec is the CPU seconds (user+system) of pid and every process under it, live or ended: a
 * live process's own time plus what its reaped children used (cutime/cstime), summed over the live
 * tree. The control plane's forks (command helper, CNI plugins, unshare, the container shim, the
 * containers' setup) count as soon as they are reaped, so a difference of two readings is the CPU
 * the burst cost the whole machine-side stack, comparable between runs on a shared machine.
 */
function treeCpuSec(pid: number): { self: number; children: number; processes: number } {
  const read = (p: number): { own: number; reaped: number; kids: number[] } | undefined => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      let kids: number[] = [];
      for (const t of readdirSync(`/proc/${p}/task`)) {
        try { kids = kids.concat(readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)); } catch { /* thread gone */ }
      }
      return { own: (Number(f[11]) + Number(f[12])) / 100, reaped: (Number(f[13]) + Number(f[14])) / 100, kids };
    } catch { return undefined; }
  };
  const root = read(pid);
  if (!root) return { self: 0, children: 0, processes: 0 };
  let children = root.reaped;
  let processes = 0;
  const todo = [...root.kids];
  while (todo.length) {
    const r = read(todo.pop()!);
    if (!r) continue;
    processes++;
    children += r.own + r.reaped;
    todo.push(...r.kids);
  }
  return { self: root.own, children, processes };
}

/** threadCpuSec is each thread's CPU seconds (user+system) by thread id. */
function threadCpuSec(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), (Number(f[11]) + Number(f[12])) / 100);
    } catch { /* thread gone */ }
  }
  return out;
}

/**
 * threadSplit divides the process's CPU between two readings by thread: the main thread (the API
 * server), the busiest other thread (the components' thread when tskube runs them in one) and the
 * rest (V8's GC and compiler threads, libuv's pool: asynchronous file system calls).
 */
function threadSplit(pid: number, t0: Map<number, number>, t1: Map<number, number>): { main: number; busiest: number; rest: number } {
  const d = [...t1].map(([tid, s]) => [tid, s - (t0.get(tid) ?? 0)] as const);
  const main = d.find(([tid]) => tid === pid)?.[1] ?? 0;
  const others = d.filter(([tid]) => tid !== pid).map(([, s]) => s).sort((a, b) => b - a);
  return { main, busiest: others[0] ?? 0, rest: others.slice(1).reduce((a, b) => a + b, 0) };
}

/** lastPid is the kernel's most recently assigned PID (machine-wide; its growth counts forks, anyone's). */
function lastPid(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').pop());
}

/** TRACE is the stage trace file the tskube process appends to (TSKUBE_STARTUP_TRACE; inherited). */
const TRACE = process.env.TSKUBE_STARTUP_TRACE;

/**
 * printBreakdown prints, for each traced stage, its p50/p90 time since the pod's POST was sent
 * (the first line of each stage per pod counts): where the create → Running time goes.
 */
function printBreakdown(file: string, sentAt: Map<string, number>, extra: string[]): void {
  let text = extra.join('\n') + '\n';
  try { text += readFileSync(file, 'utf8'); } catch { /* no agent stages */ }
  const byStage = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const [t, uid, stage] = line.split(' ');
    const t0 = sentAt.get(uid);
    if (t0 === undefined || !stage || seen.has(`${uid} ${stage}`)) continue;
    seen.add(`${uid} ${stage}`);
    if (!byStage.has(stage)) byStage.set(stage, []);
    byStage.get(stage)!.push(Number(t) - t0);
  }
  const order = [...byStage.entries()].sort((a, b) => pct(a[1], 50) - pct(b[1], 50));
  console.log('stage (ms since POST sent)      p50     p90   pods');
  for (const [stage, xs] of order) console.log(`  ${stage.padEnd(28)} ${pct(xs, 50).toFixed(0).padStart(6)}  ${pct(xs, 90).toFixed(0).padStart(6)}  ${String(xs.length).padStart(5)}`);
}

/** helperStats are the CPU and RSS of pid's child processes whose command line mentions name (the container shim). */
function helperStats(pid: number, name: string): { cpuSec: number; rssMiB: number }[] {
  let kids: number[] = [];
  try { kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number); } catch { return []; }
  return kids.filter((k) => {
    try { return readFileSync(`/proc/${k}/cmdline`, 'utf8').includes(name); } catch { return false; }
  }).map((k) => procStats(k));
}

async function run(label: string, args: string[], podSpec: (i: number) => object, count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-pods-'));
  if (TRACE) rmSync(TRACE, { force: true });
  // A pod range of its own: where another cluster on this machine routes 10.244.0.0/16, the nodes
  // would refuse it and pods would run in the node's network without CNI, a different figure.
  const cidr = args.includes('--cluster-cidr') ? [] : ['--cluster-cidr', '10.77.0.0/16'];
  // BENCH_NODE_ARGS: extra node options for the tskube process (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'up', '--data-dir', dir, '--port', '0', ...cidr, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => { out += d; const m = /API server (\S+),/.exec(out); if (m) resolve(m[1]); });
    proc.once('exit', (c) => reject(new Error(`exited ${c}`)));
  });
  const token = readFileSync(join(dir, 'pki/admin.token'), 'utf8').trim();
  const agent = new https.Agent({ ca: readFileSync(join(dir, 'pki/ca.crt')), keepAlive: true, maxSockets: 32 });
  const call = (method: string, path: string, body?: unknown) => new Promise<string>((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined;
    const req = https.request(`${url}${path}`, { method, agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let b = ''; res.on('data', (d) => { b += d; }); res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end(data);
  });
  // Wait for the nodes to be Ready.
  const wantNodes = Number(args[args.indexOf('--nodes') + 1] ?? 0) + Number(args.includes('--simulated-nodes') ? args[args.indexOf('--simulated-nodes') + 1] : 0);
  for (;;) {
    const nodes = JSON.parse(await call('GET', '/api/v1/nodes')).items ?? [];
    if (nodes.length >= wantNodes) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const rv = JSON.parse(await call('GET', '/api/v1/namespaces/default/pods?limit=1')).metadata.resourceVersion;
  const sent = new Map<string, number>();
  /** uid → the POST's send time (epoch ms), for the stage breakdown of TSKUBE_STARTUP_TRACE */
  const sentByUid = new Map<string, number>();
  /** the client's own stages (POST answered, binding seen on the watch), in the trace's line format */
  const clientStages: string[] = [];
  const running: number[] = [];
  const bound: number[] = [];
  const cpu0 = procStats(proc.pid!);
  const tree0 = treeCpuSec(proc.pid!);
  const threads0 = threadCpuSec(proc.pid!);
  const pid0 = lastPid();
  const done = new Promise<void>((resolve) => {
    https.get(`${url}/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`, { agent: new https.Agent({ ca: readFileSync(join(dir, 'pki/ca.crt')) }), headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let buf = '';
      const seenBound = new Set<string>();
      const seenRunning = new Set<string>();
      res.on('data', (d) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          const name = ev.object?.metadata?.name;
          const t0 = sent.get(name);
          if (t0 === undefined) continue;
          if (ev.object.spec?.nodeName && !seenBound.has(name)) {
            seenBound.add(name);
            bound.push(performance.now());
            clientStages.push(`${(performance.timeOrigin + performance.now()).toFixed(2)} ${ev.object.metadata.uid} client:bound-seen`);
          }
          if (ev.object.status?.phase === 'Running' && !seenRunning.has(name)) { seenRunning.add(name); running.push(performance.now() - t0); }
          if (seenRunning.size >= count) { res.destroy(); resolve(); }
        }
      });
    });
  });
  // A GET /version every 50 ms while the pods start: its latency is (mostly) the API server's
  // event-loop delay in the one tskube process.
  const lag: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const s = performance.now();
      await call('GET', '/version');
      lag.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      const i = next++;
      const at = performance.now();
      sent.set(`bench-${i}`, at);
      const created = JSON.parse(await call('POST', '/api/v1/namespaces/default/pods', podSpec(i)));
      if (created.metadata?.uid) {
        sentByUid.set(created.metadata.uid, performance.timeOrigin + at);
        clientStages.push(`${(performance.timeOrigin + performance.now()).toFixed(2)} ${created.metadata.uid} client:posted`);
      }
    }
  }));
  await done;
  probing = false;
  await probe;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = procStats(proc.pid!);
  const tree1 = treeCpuSec(proc.pid!);
  const threads1 = threadCpuSec(proc.pid!);
  const forks = lastPid() - pid0;
  console.log(`\n== ${label}: ${count} pods`);
  console.log(`create → Running  p50 ${pct(running, 50).toFixed(0)} ms  p99 ${pct(running, 99).toFixed(0)} ms   (goal p50 < 100 ms, p99 < 300 ms; Kubernetes' SLO: p99 < 5 s)`);
  console.log(`all Running after ${elapsed.toFixed(1)} s; scheduling ${(count / ((Math.max(...bound) - t0) / 1000)).toFixed(0)} pods/s (first create → last binding seen)`);
  console.log(`GET /version during the burst: p50 ${pct(lag, 50).toFixed(0)} ms  p99 ${pct(lag, 99).toFixed(0)} ms  max ${Math.max(...lag).toFixed(0)} ms (${lag.length} probes)`);
  console.log(`tskube process: ${(cpu1.cpuSec - cpu0.cpuSec).toFixed(1)} s CPU during the run, RSS ${cpu1.rssMiB.toFixed(0)} MiB`);
  const selfCpu = tree1.self - tree0.self;
  const childCpu = tree1.children - tree0.children;
  console.log(`CPU per pod: control plane ${(selfCpu / count * 1000).toFixed(1)} ms + its child processes ${(childCpu / count * 1000).toFixed(1)} ms = ${((selfCpu + childCpu) / count * 1000).toFixed(1)} ms (${selfCpu.toFixed(1)} s + ${childCpu.toFixed(1)} s; ${tree1.processes} processes under it now)`);
  const split = threadSplit(proc.pid!, threads0, threads1);
  console.log(`  by thread: main ${(split.main / count * 1000).toFixed(1)} ms, busiest other ${(split.busiest / count * 1000).toFixed(1)} ms (the components' thread, if any), the rest ${(split.rest / count * 1000).toFixed(1)} ms (GC, libuv pool)`);
  console.log(`PIDs assigned on the machine during the run: ${forks} (${(forks / count).toFixed(1)} per pod; other users' processes and threads count too)`);
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  if (TRACE) printBreakdown(TRACE, sentByUid, clientStages);
  await new Promise((r) => setTimeout(r, 2000));
  const idle = procStats(proc.pid!);
  await new Promise((r) => setTimeout(r, 5000));
  const idle2 = procStats(proc.pid!);
  const shims = helperStats(proc.pid!, 'container-shim.cjs');
  if (shims.length) console.log(`container shim: ${shims.map((x) => `RSS ${x.rssMiB.toFixed(0)} MiB, ${x.cpuSec.toFixed(1)} s CPU`).join('; ')}`);
  console.log(`while they run: ${(((idle2.cpuSec - idle.cpuSec) / 5) * 100).toFixed(1)}% of a core, RSS ${idle2.rssMiB.toFixed(0)} MiB`);
  await new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * nodeSideBurst starts count pods (one `sleep 3600` container each) straight on a process runtime
 * in this process, all at once, as an agent would: the pod cgroup while the sandbox is made
 * (namespaces, CNI), then the container's cgroup, the shim's fork, the setup script. No API
 * server, scheduler or agent: its CPU per pod is the node side's own, comparable between runs
 * whatever else the machine does. Prints sandbox → running p50/p99 and CPU per pod of this process
 * and of its child processes (the command helper, CNI plugins, the shim, the setup scripts).
 */
async function nodeSideBurst(count: number): Promise<void> {
  const { ProcessRuntime } = await import('../src/runtime/process/process-runtime.js');
  const { cgroupsOf } = await import('../src/runtime/cgroups/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-node-'));
  const rt = new ProcessRuntime({ rootDir: dir, nodeName: 'benchnode', isolation: 'namespaces' });
  await rt.updateRuntimeConfig({ networkConfig: { podCidr: '10.78.0.0/22' } });
  const cgroups = cgroupsOf(rt);
  const uid = (i: number) => `bench-node-${process.pid}-${i}`;
  const startedAt = new Map<string, number>();
  if (TRACE) rmSync(TRACE, { force: true });
  const sandboxes: string[] = [];
  const took: number[] = [];
  const tree0 = treeCpuSec(process.pid);
  const threads0 = threadCpuSec(process.pid);
  const pid0 = lastPid();
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      const start = performance.now();
      startedAt.set(uid(i), performance.timeOrigin + start);
      const parent = cgroups ? `kubepods/besteffort/pod${uid(i)}` : undefined;
      const config = {
        metadata: { name: `bench-${i}`, namespace: 'default', uid: uid(i), attempt: 0 }, hostname: `bench-${i}`,
        dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
        linux: { namespaceOptions: { network: 'POD' as const }, ...(parent ? { cgroupParent: parent } : {}) },
      };
      const [sb] = await Promise.all([rt.runPodSandbox(config), parent ? cgroups!.create(parent, { cpuShares: 2 }) : undefined]);
      sandboxes.push(sb);
      const id = await rt.createContainer(sb, {
        podUid: uid(i), podName: `bench-${i}`, podNamespace: 'default', name: 'main', attempt: 0, image: 'busybox',
        argv: ['sleep', '3600'], env: {}, mounts: [], logPath: join(dir, `bench-${i}.log`), resources: { cpuShares: 2, oomScoreAdj: 1000 },
      }, config);
      await rt.startContainer(id);
      took.push(performance.now() - start);
    }));
    const elapsed = (performance.now() - t0) / 1000;
    const tree1 = treeCpuSec(process.pid);
    const split = threadSplit(process.pid, threads0, threadCpuSec(process.pid));
    const forks = lastPid() - pid0;
    const selfCpu = tree1.self - tree0.self;
    const childCpu = tree1.children - tree0.children;
    console.log(`\n== node side alone (process runtime in this process, no control plane): ${count} pods at once`);
    console.log(`sandbox → container running  p50 ${pct(took, 50).toFixed(0)} ms  p99 ${pct(took, 99).toFixed(0)} ms; all after ${elapsed.toFixed(1)} s`);
    console.log(`CPU per pod: runtime ${(selfCpu / count * 1000).toFixed(1)} ms (main thread ${(split.main / count * 1000).toFixed(1)} ms, other threads ${((split.busiest + split.rest) / count * 1000).toFixed(1)} ms) + its child processes ${(childCpu / count * 1000).toFixed(1)} ms = ${((selfCpu + childCpu) / count * 1000).toFixed(1)} ms`);
    // Stages the runtime traced (TSKUBE_STARTUP_TRACE), since each pod's start here.
    if (TRACE) printBreakdown(TRACE, startedAt, []);
    console.log(`PIDs assigned on the machine meanwhile: ${forks} (${(forks / count).toFixed(1)} per pod; other users' count too); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    await Promise.all(sandboxes.map((sb) => rt.removePodSandbox(sb).catch(() => undefined)));
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleeper = (i: number) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `bench-${i}` }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } });
// NODE_PODS: the node side alone first (0 skips it); as root only (namespaces, CNI, cgroups).
const nodePods = Number(process.env.NODE_PODS ?? 50);
if (nodePods > 0 && process.getuid?.() === 0) await nodeSideBurst(nodePods);
// PODS=0 skips the cluster run (when only the node side's figure is wanted).
if (PODS > 0) await run('process runtime, 3 nodes', ['--nodes', '3'], sleeper, PODS);
// SIM_PODS=0 skips the simulated-nodes run (when only the process runtime's figure is wanted).
const simPods = Number(process.env.SIM_PODS ?? 5000);
if (simPods > 0) await run('simulated, 1000 nodes', ['--nodes', '0', '--simulated-nodes', '1000'], sleeper, simPods);
