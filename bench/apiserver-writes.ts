/**
 * API server CPU per write (issue 11): the CPU time the API server process spends on each kind of
 * write a pod costs in bench/scale.ts, measured as CPU (process.cpuUsage of the server process),
 * not wall time, so that figures compare on a shared machine.
 * The server runs in a child process as `tskube server` builds it (startApiServer over SQLite, TLS,
 * bootstrapCluster), and is reached as `tskube up`'s own components reach it: plain HTTP on its
 * Unix socket (HTTPS=1: over TLS); this process is the client (RestClient with the components' User-Agents) and
 * keeps one watch on pods open, as the informers do, so watch fan-out is part of each write.
 * Kinds: POST pod (kube-controller-manager), POST pods/binding (kube-scheduler), PATCH pods/status
 * as merge patch (kubelet), PUT lease (kubelet renewing its node lease).
 * Prints CPU µs per request for each kind (after a warm-up round), with the load average, and the
 * server's main-thread busy time per request (event loop utilization: blocking calls count).
 * Figures only; never fails on time.
 * TREES=/path/a,/path/b runs a server from each source tree (e.g. a `git worktree` of the commit
 * before a change), alternating batches of requests between them: an A/B under the same load.
 * Run: node --import tsx bench/apiserver-writes.ts   (N=2000 CONCURRENCY=8 LEASES=200 BATCH=100 TREES=… SERVE_NODE_FLAGS="--cpu-prof" SERVE_NODE_FLAGS_1=… SQLITE_CHECKPOINT_THREAD=0,1)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { RestClient } from '../src/client/rest.js';
import type { KubeObject } from '../src/api/resource.js';

const N = Number(process.env.N ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const LEASES = Number(process.env.LEASES ?? 200);
const WARMUP = Number(process.env.WARMUP ?? 500);

/** serve runs in the child: the API server over SQLite; answers 'cpu' messages with its CPU time in µs. */
async function serve(dir: string): Promise<void> {
  const { loadOrCreateCredentials } = await import('../src/apiserver/tls.js');
  const { startApiServer } = await import('../src/apiserver/server.js');
  const { bootstrapCluster } = await import('../src/apiserver/bootstrap.js');
  const { SqliteBackend } = await import('../src/storage/index.js');
  const backend = SqliteBackend.open(join(dir, 'state.db'), {
    ...(process.env.SQLITE_CACHE_MIB ? { cacheMiB: Number(process.env.SQLITE_CACHE_MIB) } : {}),
    ...(process.env.SQLITE_CHECKPOINT_THREAD ? { checkpointThread: process.env.SQLITE_CHECKPOINT_THREAD === '1' } : {}),
  });
  const creds = await loadOrCreateCredentials(dir);
  // As `tskube up` serves its own components: plain HTTP on a Unix socket of the data dir (HTTPS=1: over TLS instead).
  const api = await startApiServer({
    backend, tokens: [creds.token], tls: { cert: creds.cert, key: creds.key }, host: '127.0.0.1', port: 0,
    localSocket: process.env.HTTPS === '1' ? undefined : join(dir, 'apiserver.sock'),
  });
  await bootstrapCluster(api);
  process.on('message', (m: string) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      // busy: the main thread's time not idle in the event loop, in µs (blocking calls count, unlike CPU; other threads do not)
      process.send!({ cpu: u.user + u.system, busy: performance.eventLoopUtilization().active * 1000 });
    } else if (m === 'stop') {
      void api.close().then(() => backend.close()).finally(() => process.exit(0));
    }
  });
  process.send!({ url: api.url, socketPath: api.localSocket });
}

/** Server is one API server child and the clients that write to it. */
interface Server {
  label: string;
  /** the server process's CPU time and its main thread's busy time, µs */
  cpu(): Promise<{ cpu: number; busy: number }>;
  kcm: RestClient; scheduler: RestClient; kubelet: RestClient;
  leases: Map<string, KubeObject>;
  seen: number;
  stop(): Promise<void>;
}

async function startServer(tree: string, k: number): Promise<Server> {
  const { RestClient: Rest } = await import('../src/client/rest.js');
  const { Resources } = await import('../src/client/types.js');
  const { componentUserAgent } = await import('../src/client/user-agent.js');
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-apiwrites-'));
  // SERVE_NODE_FLAGS_<k> adds flags for the k-th server only (in TREES order): an A/B of a Node flag.
  const flags = [process.env.SERVE_NODE_FLAGS ?? '', process.env[`SERVE_NODE_FLAGS_${k}`] ?? ''].join(' ').split(' ').filter(Boolean);
  // SQLITE_CACHE_MIB=a,b gives each server (in TREES order) its SQLite page cache size.
  const cacheMiB = (process.env.SQLITE_CACHE_MIB ?? '').split(',')[k] ?? '';
  // SQLITE_CHECKPOINT_THREAD=0,1 turns the WAL checkpoint thread off (0) or on (1) per server (TREES order).
  const ckpt = (process.env.SQLITE_CHECKPOINT_THREAD ?? '').split(',')[k] ?? '';
  const child = fork(join(tree, 'bench/apiserver-writes.ts'), ['--serve', dir], {
    cwd: tree, execArgv: [...flags, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, SQLITE_CACHE_MIB: cacheMiB, SQLITE_CHECKPOINT_THREAD: ckpt },
  });
  const replies: ((m: any) => void)[] = [];
  const { url, socketPath } = await new Promise<{ url: string; socketPath?: string }>((resolve, reject) => {
    child.on('message', (m: any) => { if (m.url) resolve(m); else replies.shift()?.(m); });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const token = readFileSync(join(dir, 'pki/admin.token'), 'utf8').trim();
  const ca = readFileSync(join(dir, 'pki/ca.crt'), 'utf8');
  const client = (name: string) => new Rest({ server: url, token, ca, socketPath, userAgent: componentUserAgent(name, 'v1.32.0') });
  const ac = new AbortController();
  const s: Server = {
    label: `${tree}${cacheMiB ? ` ${cacheMiB}MiB` : ''}${ckpt ? ` ckpt=${ckpt}` : ''}${process.env[`SERVE_NODE_FLAGS_${k}`] ? ` ${process.env[`SERVE_NODE_FLAGS_${k}`]}` : ''}`,
    cpu: () => new Promise<{ cpu: number; busy: number }>((resolve) => { replies.push((m) => resolve({ cpu: m.cpu, busy: m.busy ?? 0 })); child.send('cpu'); }),
    kcm: client('kube-controller-manager'), scheduler: client('kube-scheduler'), kubelet: client('kubelet'),
    leases: new Map(), seen: 0,
    async stop() {
      ac.abort();
      await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.send('stop'); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // One pods watch, as the informers keep: every write is also a watch event to encode and send.
  void (async () => {
    try { for await (const _ of s.kcm.watch(Resources.pods, undefined, { signal: ac.signal, resourceVersion: '0' })) s.seen++; } catch { /* ended */ }
  })();
  return s;
}

async function main(): Promise<void> {
  const { Resources } = await import('../src/client/types.js');
  // TREES=/a,/b runs one server from each source tree and alternates batches of requests between
  // them, so that both see the same machine load (an A/B comparison on a shared machine).
  const trees = (process.env.TREES ?? new URL('..', import.meta.url).pathname).split(',').filter(Boolean);
  const BATCH = Number(process.env.BATCH ?? 100);
  const servers = await Promise.all(trees.map((t, k) => startServer(t, k)));

  const ns = 'default';
  const rsUid = '0f3c6d0e-6a57-4a59-9b0c-1e0f9d1a2b3c';
  const podOf = (name: string) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: ns, labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8c6b5', uid: rsUid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const statusOf = (i: number) => ({
    status: {
      phase: 'Running', hostIP: '10.0.0.1', hostIPs: [{ ip: '10.0.0.1' }], podIP: `10.244.${(i >> 8) & 255}.${i & 255}`, podIPs: [{ ip: `10.244.${(i >> 8) & 255}.${i & 255}` }],
      startTime: now(), qosClass: 'Burstable',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now() })),
      containerStatuses: [{ name: 'web', image: 'nginx:1.27', imageID: 'docker-pullable://nginx@sha256:0', containerID: `sim://${i}`, ready: true, started: true, restartCount: 0, state: { running: { startedAt: now() } }, lastState: {} }],
    },
  });
  const renewTime = () => new Date().toISOString().replace('Z', '000Z');

  /**
   * run sends count requests to every server, BATCH at a time to each in turn (CONCURRENCY in
   * flight), and returns each server's CPU µs per request (and its main thread's busy µs per request in busy).
   */
  const busy = new Map<number[], number[]>();
  const run = async (count: number, one: (s: Server, i: number) => Promise<unknown>): Promise<number[]> => {
    const cpu = servers.map(() => 0);
    const main = servers.map(() => 0);
    for (let from = 0; from < count; from += BATCH) {
      const to = Math.min(count, from + BATCH);
      for (const [k, s] of servers.entries()) {
        const c0 = await s.cpu();
        let next = from;
        await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < to) await one(s, next++); }));
        const c1 = await s.cpu();
        cpu[k] += c1.cpu - c0.cpu;
        main[k] += c1.busy - c0.busy;
      }
    }
    const out = cpu.map((c) => c / count);
    busy.set(out, main.map((b) => b / count));
    return out;
  };

  const leaseNs = 'kube-node-lease';
  for (const s of servers) {
    for (let i = 0; i < LEASES; i++) {
      const name = `node-${i}`;
      s.leases.set(name, await s.kubelet.create(Resources.leases, leaseNs, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: leaseNs }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: renewTime() } }));
    }
  }

  const round = async (prefix: string, count: number) => {
    const name = (i: number) => `${prefix}-${i}`;
    const create = await run(count, (s, i) => s.kcm.create(Resources.pods, ns, podOf(name(i)) as KubeObject));
    const bind = await run(count, (s, i) => s.scheduler.createSubresource(Resources.pods, ns, name(i), 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: name(i), namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: `node-${i % LEASES}` } } as KubeObject));
    const status = await run(count, (s, i) => s.kubelet.patch(Resources.pods, ns, name(i), statusOf(i), 'merge', 'status'));
    const lease = await run(count, async (s, i) => {
      const key = `node-${i % LEASES}`;
      const cur = s.leases.get(key)!;
      s.leases.set(key, await s.kubelet.update(Resources.leases, leaseNs, { ...cur, spec: { ...(cur.spec as object), renewTime: renewTime() } }));
    });
    return { create, bind, status, lease };
  };

  await round('warm', WARMUP);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const r = await round('pod', N);
  const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`== API server CPU per request (µs, server process user+system), ${N} requests each, ${CONCURRENCY} in flight, ${process.env.HTTPS === '1' ? 'HTTPS' : 'HTTP on a Unix socket'}, SQLite, one pods watch`);
  console.log(`load average before ${load}, after ${loadAfter}`);
  const cols = (xs: number[]) => xs.map((x) => `${x.toFixed(0).padStart(6)} µs`).join('  ');
  if (servers.length > 1) console.log(`${''.padEnd(22)}${servers.map((s) => s.label.slice(-9).padStart(9)).join('  ')}`);
  console.log(`POST pod              ${cols(r.create)}`);
  console.log(`POST pods/binding     ${cols(r.bind)}`);
  console.log(`PATCH pods/status     ${cols(r.status)}`);
  console.log(`PUT lease             ${cols(r.lease)}`);
  console.log(`a pod's three writes  ${cols(servers.map((_, k) => r.create[k] + r.bind[k] + r.status[k]))} (watch events seen: ${servers.map((s) => s.seen).join(', ')})`);
  // The main thread's busy time: what bounds bench/scale.ts (blocking calls such as fsync count; work on other threads does not).
  const b = (xs: number[]) => busy.get(xs)!;
  console.log(`main thread busy per request (µs)`);
  console.log(`POST pod              ${cols(b(r.create))}`);
  console.log(`POST pods/binding     ${cols(b(r.bind))}`);
  console.log(`PATCH pods/status     ${cols(b(r.status))}`);
  console.log(`PUT lease             ${cols(b(r.lease))}`);
  console.log(`a pod's three writes  ${cols(servers.map((_, k) => b(r.create)[k] + b(r.bind)[k] + b(r.status)[k]))}`);
  await Promise.all(servers.map((s) => s.stop()));
}

if (process.argv[2] === '--serve') await serve(process.argv[3]);
else await main();
