/**
 * Scale benchmark (issue 11: 1,000 simulated nodes × 10 pods, create → all Running in < 20 s with
 * the control plane under 1 GB): `tskube up --simulated-nodes 1000`, then DEPLOYMENTS Deployments of
 * REPLICAS each created at once through the API, timed until every pod is Running (seen on a watch).
 * Prints progress every 10 s (pods seen, scheduled, Running; control-plane CPU and RSS), and, if it
 * does not finish within LIMIT_S, where it is stuck: pods by phase, non-empty work queues and the
 * scheduler's pending pods from /metrics. Also the API requests the run made (apiserver_request_total), per
 * pod and by verb/resource. Profile with BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR".
 * Figures only; never fails on time.
 * Run: node --import tsx bench/scale.ts   (SIM_NODES=1000 DEPLOYMENTS=10 REPLICAS=1000 LIMIT_S=600)
 */
import { createWriteStream } from 'node:fs';
import { procStats, startBench } from './lib.js';

/**
 * More than 256 nodes need a pod range wider than the default 10.244.0.0/16 cut in /24s (node IPAM
 * would leave the rest without a podCIDR and retry them forever): a /14 gives 1,024 node subnets.
 */
const clusterCidrFor = (nodes: number) => (nodes > 256 ? ['--cluster-cidr', '10.128.0.0/14'] : []);

const SIM_NODES = Number(process.env.SIM_NODES ?? 1000);
const DEPLOYMENTS = Number(process.env.DEPLOYMENTS ?? 10);
const REPLICAS = Number(process.env.REPLICAS ?? 1000);
const LIMIT_S = Number(process.env.LIMIT_S ?? 600);
/** seconds between progress lines */
const PROGRESS_S = Number(process.env.PROGRESS_S ?? 10);
const GOAL_S = 20;
const GOAL_MIB = 1024;

const total = DEPLOYMENTS * REPLICAS;
const t0Start = performance.now();
const c = await startBench(['--nodes', '0', '--simulated-nodes', String(SIM_NODES), ...clusterCidrFor(SIM_NODES)], SIM_NODES);
const pid = c.proc.pid!;
// CONTROL_PLANE_STDOUT=file keeps what the control plane prints (e.g. BENCH_NODE_FLAGS=--trace-gc).
if (process.env.CONTROL_PLANE_STDOUT) {
  const out = createWriteStream(process.env.CONTROL_PLANE_STDOUT);
  c.proc.stdout!.on('data', (d) => out.write(d));
}
console.log(`== ${SIM_NODES} simulated nodes registered in ${((performance.now() - t0Start) / 1000).toFixed(1)} s, control plane RSS ${procStats(pid).rssMiB.toFixed(0)} MiB`);

/**
 * requestCounts reads apiserver_request_total from /metrics, summed by verb and resource/subresource
 * ("PATCH pods/status"), so the run can say how many API requests each pod cost.
 */
async function requestCounts(): Promise<Map<string, number>> {
  const text: string = await c.call('GET', '/metrics');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const k = `${labels.verb} ${labels.resource || '(non-resource)'}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out.set(k, (out.get(k) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** printRequests prints the API requests made since `before`, per pod, busiest first. */
function printRequests(before: Map<string, number>, after: Map<string, number>, pods: number): void {
  const delta = [...after].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const sum = delta.reduce((a, [, n]) => a + n, 0);
  console.log(`  API requests: ${sum} (${(sum / Math.max(1, pods)).toFixed(2)} per pod); busiest: ${delta.slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

const requestsBefore = await requestCounts();

/** what the watch has seen of each pod */
const pods = new Map<string, { node?: string; phase?: string }>();
let running = 0;
let scheduledCount = 0;
/** when the watch first saw every pod created / scheduled (seconds from the first create) */
const milestones: { created?: number; scheduled?: number } = {};
let peakRss = 0;
const cpu0 = procStats(pid).cpuSec;
const t0 = performance.now();
const secs = () => (performance.now() - t0) / 1000;

const allRunning = c.watchUntil('/api/v1/namespaces/default/pods?labelSelector=bench%3Dscale', (ev) => {
  const name = ev.object?.metadata?.name as string;
  const was = pods.get(name);
  if (was?.phase === 'Running') running--;
  if (was?.node) scheduledCount--;
  if (ev.type === 'DELETED') pods.delete(name);
  else {
    const p = { node: ev.object.spec?.nodeName, phase: ev.object.status?.phase };
    pods.set(name, p);
    if (p.phase === 'Running') running++;
    if (p.node) scheduledCount++;
  }
  if (milestones.created === undefined && pods.size >= total) milestones.created = secs();
  if (milestones.scheduled === undefined && scheduledCount >= total) milestones.scheduled = secs();
  return running >= total;
});

allRunning.catch(() => {}); // the watch breaks when the cluster stops after a timeout

const progress = setInterval(() => {
  const s = procStats(pid);
  peakRss = Math.max(peakRss, s.rssMiB);
  let scheduled = 0;
  for (const p of pods.values()) if (p.node) scheduled++;
  console.log(`  ${secs().toFixed(0)} s: ${pods.size} pods, ${scheduled} scheduled, ${running} Running; control plane ${(s.cpuSec - cpu0).toFixed(0)} CPU s, RSS ${s.rssMiB.toFixed(0)} MiB`);
}, PROGRESS_S * 1000);

for (let d = 0; d < DEPLOYMENTS; d++) {
  const name = `scale-${d}`;
  await c.call('POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas: REPLICAS, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, bench: 'scale' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
}

const finished = await Promise.race([allRunning.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), LIMIT_S * 1000))]);
clearInterval(progress);
const seconds = secs();
const end = procStats(pid);
peakRss = Math.max(peakRss, end.rssMiB);
if (finished) {
  console.log(`${DEPLOYMENTS} Deployments × ${REPLICAS} replicas (${total} pods) on ${SIM_NODES} simulated nodes, create → all Running: ${seconds.toFixed(1)} s, control plane ${(end.cpuSec - cpu0).toFixed(0)} CPU s, RSS ${end.rssMiB.toFixed(0)} MiB (peak ${peakRss.toFixed(0)} MiB)`);
  console.log(`  all created at ${milestones.created?.toFixed(1)} s, all scheduled at ${milestones.scheduled?.toFixed(1)} s, all Running at ${seconds.toFixed(1)} s`);
  console.log(`  goal: < ${GOAL_S} s → ${(seconds / GOAL_S).toFixed(1)}× the goal; < 1 GB → peak RSS ${(peakRss / GOAL_MIB).toFixed(2)}× the goal`);
  printRequests(requestsBefore, await requestCounts(), total);
} else {
  console.log(`NOT FINISHED in ${LIMIT_S} s: ${running} of ${total} pods Running; control plane ${(end.cpuSec - cpu0).toFixed(0)} CPU s, RSS ${end.rssMiB.toFixed(0)} MiB (peak ${peakRss.toFixed(0)} MiB)`);
  const phases = new Map<string, number>();
  for (const p of pods.values()) {
    const k = `${p.node ? 'scheduled' : 'unscheduled'}/${p.phase ?? 'no phase'}`;
    phases.set(k, (phases.get(k) ?? 0) + 1);
  }
  console.log(`  pods seen by phase: ${[...phases].map(([k, n]) => `${k} ${n}`).join(', ')} (${total - pods.size} never created)`);
  const metrics: string = await c.call('GET', '/metrics');
  const stuck = metrics.split('\n').filter((l) => /^(workqueue_depth|workqueue_longest_running_processor_seconds|scheduler_pending_pods)\{/.test(l) && !l.endsWith(' 0'));
  console.log(`  non-zero queues: ${stuck.join('; ') || 'none'}`);
  printRequests(requestsBefore, await requestCounts(), running);
}
// HOLD_S keeps the cluster up that long after the run (to take a heap snapshot: kill -USR2 with
// BENCH_NODE_FLAGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR").
if (process.env.HOLD_S) {
  console.log(`  control plane pid ${pid}: held for ${process.env.HOLD_S} s`);
  await new Promise((r) => setTimeout(r, Number(process.env.HOLD_S) * 1000));
}
await c.stop();
process.exit(0);
