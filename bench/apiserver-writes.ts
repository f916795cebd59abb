/**
 * API server CPU per write (issue 11): the CPU time the API server process spends on each kind of
 * write a pod costs in bench/scale.ts, measured as CPU (process.cpuUsage of the server process),
 * not wall time, so that figures compare on a shared machine.
 * The server runs in a child process as `tskube server` builds it (startApiServer over SQLite, TLS,
 * bootstrapCluster); this process is the client (RestClient with the components' User-Agents) and
 * keeps one watch on pods open, as the informers do, so watch fan-out is part of each write.
 * Kinds: POST pod (kube-controller-manager), POST pods/binding (kube-scheduler), PATCH pods/status
 * as merge patch (kubelet), PUT lease (kubelet renewing its node lease).
 * Prints CPU µs per request for each kind (after a warm-up round), with the load average.
 * Figures only; never fails on time.
 * Run: node --import tsx bench/apiserver-writes.ts   (N=2000 CONCURRENCY=8 LEASES=200 SERVE_NODE_FLAGS="--cpu-prof")
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const backend = SqliteBackend.open(join(dir, 'state.db'));
  const creds = await loadOrCreateCredentials(dir);
  const api = await startApiServer({ backend, tokens: [creds.token], tls: { cert: creds.cert, key: creds.key }, host: '127.0.0.1', port: 0 });
  await bootstrapCluster(api);
  process.on('message', (m: string) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpu: u.user + u.system });
    } else if (m === 'stop') {
      void api.close().then(() => backend.close()).finally(() => process.exit(0));
    }
  });
  process.send!({ url: api.url });
}

async function main(): Promise<void> {
  const { RestClient } = await import('../src/client/rest.js');
  const { Resources } = await import('../src/client/types.js');
  const { componentUserAgent } = await import('../src/client/user-agent.js');
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-apiwrites-'));
  const flags = (process.env.SERVE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = fork(new URL(import.meta.url).pathname, ['--serve', dir], { execArgv: [...flags, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: ((m: any) => void)[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: any) => { if (m.url) resolve(m.url); else replies.shift()?.(m); });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const cpu = () => new Promise<number>((resolve) => { replies.push((m) => resolve(m.cpu)); child.send('cpu'); });
  const token = readFileSync(join(dir, 'pki/admin.token'), 'utf8').trim();
  const ca = readFileSync(join(dir, 'pki/ca.crt'), 'utf8');
  const client = (name: string) => new RestClient({ server: url, token, ca, userAgent: componentUserAgent(name, 'v1.32.0') });
  const kcm = client('kube-controller-manager');
  const scheduler = client('kube-scheduler');
  const kubelet = client('kubelet');

  // One pods watch, as the informers keep: every write is also a watch event to encode and send.
  const ac = new AbortController();
  let seen = 0;
  void (async () => {
    try { for await (const _ of kcm.watch(Resources.pods, undefined, { signal: ac.signal, resourceVersion: '0' })) seen++; } catch { /* ended */ }
  })();

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

  /** run sends count requests, CONCURRENCY at a time, and returns the server's CPU µs per request. */
  const run = async (count: number, one: (i: number) => Promise<unknown>): Promise<number> => {
    const c0 = await cpu();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < count) await one(next++); }));
    return ((await cpu()) - c0) / count;
  };

  const leaseNs = 'kube-node-lease';
  const leases = new Map<string, any>();
  for (let i = 0; i < LEASES; i++) {
    const name = `node-${i}`;
    leases.set(name, await kubelet.create(Resources.leases, leaseNs, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: leaseNs }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') } }));
  }

  const round = async (prefix: string, count: number) => {
    const name = (i: number) => `${prefix}-${i}`;
    const create = await run(count, (i) => kcm.create(Resources.pods, ns, podOf(name(i)) as never));
    const bind = await run(count, (i) => scheduler.createSubresource(Resources.pods, ns, name(i), 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: name(i), namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: `node-${i % LEASES}` } } as never));
    const status = await run(count, (i) => kubelet.patch(Resources.pods, ns, name(i), statusOf(i), 'merge', 'status'));
    const lease = await run(count, async (i) => {
      const key = `node-${i % LEASES}`;
      const cur = leases.get(key);
      leases.set(key, await kubelet.update(Resources.leases, leaseNs, { ...cur, spec: { ...cur.spec, renewTime: new Date().toISOString().replace('Z', '000Z') } }));
    });
    return { create, bind, status, lease };
  };

  await round('warm', WARMUP);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const r = await round('pod', N);
  const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`== API server CPU per request (µs, server process user+system), ${N} requests each, ${CONCURRENCY} in flight, HTTPS, SQLite, one pods watch`);
  console.log(`load average before ${load}, after ${loadAfter}`);
  console.log(`POST pod              ${r.create.toFixed(0)} µs`);
  console.log(`POST pods/binding     ${r.bind.toFixed(0)} µs`);
  console.log(`PATCH pods/status     ${r.status.toFixed(0)} µs`);
  console.log(`PUT lease             ${r.lease.toFixed(0)} µs`);
  console.log(`a pod's three writes  ${(r.create + r.bind + r.status).toFixed(0)} µs (watch events seen: ${seen})`);
  ac.abort();
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.send('stop'); });
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--serve') await serve(process.argv[3]);
else await main();
