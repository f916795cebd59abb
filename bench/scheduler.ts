/**
 * Scheduler throughput at 1,000 nodes: an API server over the memory store with 1,000 Ready nodes
 * (plain Node objects, no agents) and 5,000 pods to place; the scheduler runs over the REST client
 * and informers as in `tskube up`. Prints pods bound per second from the first create until the
 * scheduler's informer has seen every pod bound, and per pod: the CPU of the scheduling algorithm
 * (schedulePod: snapshot, filters, scores; process.cpuUsage, so other processes on a shared
 * machine do not count), the wall time of whole scheduling cycles and the processes' CPU.
 *
 * The pods are like a Deployment's (bench/scale.ts): OWNERS ReplicaSets (default 5) each own an
 * equal share, labelled by their selector, so PodTopologySpread's default constraints (spread by
 * hostname over the ReplicaSet's selector) score every node as they do there. OWNERS=0 makes
 * ownerless pods, which PodTopologySpread skips.
 *
 * By default the API server runs in its own process, as kube-apiserver and kube-scheduler do (the
 * scheduler then has a core of its own on a multi-core machine); IN_PROCESS=1 runs both in one
 * process, as `tskube up` does. Figures only. Run: node --import tsx bench/scheduler.ts
 * (NODES, PODS, OWNERS override the sizes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MemoryBackend } from '../src/storage/memory/memory-backend.js';
import { startApiServer, type ApiServer } from '../src/apiserver/server.js';
import { bootstrapCluster } from '../src/apiserver/bootstrap.js';
import { RestClient } from '../src/client/rest.js';
import { SharedInformerFactory } from '../src/client/informer.js';
import { EventRecorder } from '../src/client/events.js';
import { Resources } from '../src/client/types.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { realClock } from '../src/util/clock.js';
import { configureLogging } from '../src/util/log.js';
import type { OwnerReference } from '../src/api/resource.js';
import { procStats } from './lib.js';

const NODES = Number(process.env.NODES ?? 1000);
const PODS = Number(process.env.PODS ?? 5000);
const OWNERS = Number(process.env.OWNERS ?? 5);
const GOAL = 1000;

configureLogging({ level: 'warn' });

/** apiServerWithNodes starts the API server and registers the nodes through the store. */
async function apiServerWithNodes(): Promise<ApiServer> {
  const api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t'] });
  await bootstrapCluster(api);
  const nodes = api.storeFor('', 'v1', 'nodes');
  for (let i = 0; i < NODES; i++) {
    const name = `sim${String(i).padStart(4, '0')}`;
    const r = { cpu: '32', memory: '256Gi', pods: '110' };
    await nodes.create(undefined, {
      apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: { allocatable: r, capacity: r, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  return api;
}

/**
 * createPods creates the pending pods through the store (no HTTP: the creates are not what is
 * measured), first the ReplicaSets owning them (no controller runs: they only give the scheduler
 * the selectors Deployment pods have).
 */
async function createPods(api: ApiServer): Promise<void> {
  const owners: { labels: Record<string, string>; ref: OwnerReference }[] = [];
  const replicaSets = api.storeFor('apps', 'v1', 'replicasets');
  for (let r = 0; r < OWNERS; r++) {
    const name = `web${r}-5d9c7b6f4`;
    const labels = { app: `web${r}`, 'pod-template-hash': '5d9c7b6f4' };
    const rs = await replicaSets.create('default', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, labels },
      spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    }) as { metadata: { uid: string } };
    owners.push({ labels, ref: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true } });
  }
  const pods = api.storeFor('', 'v1', 'pods');
  for (let i = 0; i < PODS; i++) {
    const owner = OWNERS > 0 ? owners[i % OWNERS] : undefined;
    const metadata = owner ? { name: `p${i}`, labels: owner.labels, ownerReferences: [owner.ref] } : { name: `p${i}` };
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '10Mi' } } }] } });
  }
}

// The API server process: serve, then create the pods when asked.
if (process.env.BENCH_ROLE === 'apiserver') {
  const api = await apiServerWithNodes();
  process.send!({ url: api.url });
  process.on('message', (m: { create?: boolean }) => {
    if (m.create) void createPods(api).then(() => process.send!({ created: true }));
  });
  process.on('disconnect', () => void api.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const inProcess = process.env.IN_PROCESS === '1';
  let api: ApiServer | undefined;
  let child: ChildProcess | undefined;
  let url: string;
  if (inProcess) {
    api = await apiServerWithNodes();
    url = api.url;
  } else {
    child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, BENCH_ROLE: 'apiserver' }, execArgv: ['--import', 'tsx'] });
    url = await new Promise<string>((resolve) => child!.once('message', (m: { url: string }) => resolve(m.url)));
  }
  const client = new RestClient({ server: url, token: 't' });
  const informers = new SharedInformerFactory(client);
  const scheduler = new Scheduler({ client, informers, clock: realClock, recorder: new EventRecorder(client, { component: 'default-scheduler' }, realClock) });
  // Time spent in scheduling cycles (the algorithm, not the API round trips): wall time of whole
  // cycles, and this thread's CPU in schedulePod (a cycle's synchronous core), which other
  // processes on a shared machine do not inflate.
  let cycleMs = 0;
  let algoCpuUs = 0;
  let algoPods = 0;
  const scheduleOne = scheduler.scheduleOne.bind(scheduler);
  scheduler.scheduleOne = async (p) => {
    const t = performance.now();
    await scheduleOne(p);
    cycleMs += performance.now() - t;
  };
  const schedulePod = scheduler.schedulePod.bind(scheduler);
  scheduler.schedulePod = (fwk, state, pod) => {
    const c0 = process.cpuUsage();
    try {
      return schedulePod(fwk, state, pod);
    } finally {
      const c = process.cpuUsage(c0);
      algoCpuUs += c.user + c.system;
      algoPods++;
    }
  };
  // Bound pods as the scheduler's own informer sees them.
  let bound = 0;
  let allBound: () => void = () => {};
  const done = new Promise<void>((r) => { allBound = r; });
  informers.informerFor(Resources.pods).addEventHandler({
    update: (o, n) => {
      if (!(o.spec as { nodeName?: string })?.nodeName && (n.spec as { nodeName?: string })?.nodeName && ++bound === PODS) allBound();
    },
  });
  const ac = new AbortController();
  informers.start(ac.signal);
  const running = scheduler.run(ac.signal);
  await informers.waitForCacheSync();

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const childCpu0 = child ? procStats(child.pid!).cpuSec : 0;
  if (api) await createPods(api);
  else child!.send({ create: true });
  await done;
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const childCpu = child ? procStats(child.pid!).cpuSec - childCpu0 : 0;
  const secs = (t1 - t0) / 1000;
  const where = inProcess ? 'API server in the same process' : 'API server in its own process';
  const shape = OWNERS > 0 ? `owned by ${OWNERS} ReplicaSets` : 'without owners';
  console.log(`${PODS} pods (${shape}) on ${NODES} nodes (${where}): all bound ${secs.toFixed(1)} s after the first create`);
  console.log(`scheduling algorithm (schedulePod): ${(algoCpuUs / 1000 / Math.max(1, algoPods)).toFixed(3)} ms CPU per pod (${algoPods} runs)`);
  console.log(`scheduling cycles: ${(cycleMs / PODS).toFixed(2)} ms wall per pod; CPU per pod: scheduler process ${((cpu.user + cpu.system) / 1000 / PODS).toFixed(2)} ms${child ? `, API server process ${((childCpu * 1000) / PODS).toFixed(2)} ms` : ''}`);
  console.log(`scheduling throughput: ${(PODS / secs).toFixed(0)} pods/s   (goal: >= ${GOAL} pods/s)`);
  ac.abort();
  await running;
  if (api) await api.close();
  child?.disconnect();
  process.exit(0);
}
