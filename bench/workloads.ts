/**
 * Workload controllers benchmark (issue "Workload controllers 1"): on 100 simulated nodes, a
 * 1,000-replica Deployment from `kubectl create` to every pod Running, a rolling update of it to a
 * new image, a DaemonSet reaching every node; on 3 real nodes, a 30-replica Deployment to all Ready.
 * Prints seconds, control-plane CPU seconds and RSS. Figures only; never fails on time.
 * Run: node --import tsx bench/workloads.ts   (REPLICAS=1000 SIM_NODES=100 REAL_REPLICAS=30)
 */
import { pct, procStats, startBench, type BenchCluster } from './lib.js';

const REPLICAS = Number(process.env.REPLICAS ?? 1000);
const SIM_NODES = Number(process.env.SIM_NODES ?? 100);
const REAL_REPLICAS = Number(process.env.REAL_REPLICAS ?? 30);
/** Real Kubernetes 1.28 on this machine: 1,000 replicas created → Running in 49.5 s (controller manager at 20 requests/s). */
const K8S_1000_REPLICAS_SEC = 49.5;

interface Figure { label: string; seconds: number; cpuSec: number; rssMiB: number }

async function measure(c: BenchCluster, label: string, start: () => void, until: Promise<void>): Promise<Figure> {
  const cpu0 = procStats(c.proc.pid!);
  const t0 = performance.now();
  start();
  await until;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = procStats(c.proc.pid!);
  const f = { label, seconds, cpuSec: cpu1.cpuSec - cpu0.cpuSec, rssMiB: cpu1.rssMiB };
  console.log(`${label}: ${seconds.toFixed(1)} s, control plane ${f.cpuSec.toFixed(1)} CPU s, RSS ${f.rssMiB.toFixed(0)} MiB`);
  return f;
}

/**
 * podsMatching resolves when count pods with label app=name satisfy ok (seen on a pod watch);
 * startup, when given, collects each pod's startup latency: first seen on the watch → first ok.
 */
function podsMatching(c: BenchCluster, selector: string, count: number, ok: (pod: any) => boolean, startup?: number[]): Promise<void> {
  const good = new Set<string>();
  const firstSeen = new Map<string, number>();
  return c.watchUntil(`/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`, (ev) => {
    const name = ev.object?.metadata?.name as string;
    if (!firstSeen.has(name)) firstSeen.set(name, performance.now());
    if (ev.type === 'DELETED' || !ok(ev.object)) good.delete(name);
    else {
      if (startup && !good.has(name)) startup.push(performance.now() - firstSeen.get(name)!);
      good.add(name);
    }
    return good.size >= count;
  });
}

/** GOAL_1000_SEC is issue 11's goal for the 1,000-replica Deployment on simulated nodes. */
const GOAL_1000_SEC = 5;

/** requestCounts reads apiserver_request_total from /metrics: the most frequent verb/resource pairs. */
async function requestCounts(c: BenchCluster): Promise<[number, string][]> {
  const text: string = await c.call('GET', '/metrics');
  const by = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const l = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const k = `${l.verb} ${l.resource}${l.subresource ? '/' + l.subresource : ''}`;
    by.set(k, (by.get(k) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return [...by].map(([k, n]): [number, string] => [n, k]).sort((a, b) => b[0] - a[0]).slice(0, 8);
}

const running = (p: any) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
const ready = (p: any) => running(p) && (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');

{
  const c = await startBench(['--nodes', '0', '--simulated-nodes', String(SIM_NODES)], SIM_NODES);
  console.log(`== ${SIM_NODES} simulated nodes`);
  const startup: number[] = [];
  const create = await measure(c, `Deployment of ${REPLICAS} replicas, kubectl create → all Running`,
    () => c.kubectl(['create', 'deployment', 'big', '--image=nginx', `--replicas=${REPLICAS}`]),
    podsMatching(c, 'app=big', REPLICAS, running, startup));
  console.log(`  pod startup (created → Running, seen on a watch): p50 ${(pct(startup, 50) / 1000).toFixed(2)} s, p99 ${(pct(startup, 99) / 1000).toFixed(2)} s`);
  console.log(`  ratio to Kubernetes 1.28 on this machine (${K8S_1000_REPLICAS_SEC} s for 1,000): ${(K8S_1000_REPLICAS_SEC / create.seconds * (REPLICAS / 1000)).toFixed(1)}× faster; to the goal (< ${GOAL_1000_SEC} s): ${(create.seconds / GOAL_1000_SEC * (1000 / REPLICAS)).toFixed(1)}× the goal`);
  const requests = await requestCounts(c);
  console.log(`  API requests during the run, per pod: ${requests.map(([n, k]) => `${k} ${(n / REPLICAS).toFixed(2)}`).join(', ')}`);
  await measure(c, `rolling update of ${REPLICAS} replicas to a new image → all new pods Running`,
    () => c.kubectl(['set', 'image', 'deployment/big', 'nginx=nginx:1.27']),
    podsMatching(c, 'app=big', REPLICAS, (p) => running(p) && p.spec?.containers?.[0]?.image === 'nginx:1.27'));
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'busybox', command: ['sleep', '3600'] }] } } } };
  await measure(c, `DaemonSet → a pod Running on each of ${SIM_NODES} nodes`,
    () => c.kubectl(['apply', '-f', '-'], JSON.stringify(ds)),
    podsMatching(c, 'app=agent', SIM_NODES, running));
  await c.stop();
}

{
  const c = await startBench(['--nodes', '3'], 3);
  console.log('== 3 nodes, process runtime');
  await measure(c, `Deployment of ${REAL_REPLICAS} replicas, kubectl create → all Ready`,
    // busybox, not nginx: until pods have their own network namespace, two nginx on one node share port 80.
    () => c.kubectl(['create', 'deployment', 'web', '--image=busybox', `--replicas=${REAL_REPLICAS}`, '--', 'sleep', '3600']),
    podsMatching(c, 'app=web', REAL_REPLICAS, ready));
  await c.stop();
}
