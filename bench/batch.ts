/**
 * Batch and stateful workloads benchmark (issue "Workload controllers 2"): on 100 simulated nodes,
 * a Job of 1,000 completions at parallelism 50 from create to Complete (its pods carry
 * tskube.io/simulated-exit-after, so simulated containers finish on their own, as KWOK's stages
 * make them) and a 200-replica StatefulSet with Parallel pod management to all Ready. Prints
 * seconds, control-plane CPU seconds and RSS. Figures only; never fails on time.
 * Run: node --import tsx bench/batch.ts   (COMPLETIONS=1000 PARALLELISM=50 STS_REPLICAS=200 SIM_NODES=100)
 */
import { procStats, startBench, type BenchCluster } from './lib.js';

const SIM_NODES = Number(process.env.SIM_NODES ?? 100);
const COMPLETIONS = Number(process.env.COMPLETIONS ?? 1000);
const PARALLELISM = Number(process.env.PARALLELISM ?? 50);
const STS_REPLICAS = Number(process.env.STS_REPLICAS ?? 200);

async function measure(c: BenchCluster, label: string, start: () => void, until: () => Promise<void>): Promise<void> {
  const cpu0 = procStats(c.proc.pid!);
  const t0 = performance.now();
  const done = until();
  start();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = procStats(c.proc.pid!);
  console.log(`${label}: ${seconds.toFixed(1)} s, control plane ${(cpu1.cpuSec - cpu0.cpuSec).toFixed(1)} CPU s, RSS ${cpu1.rssMiB.toFixed(0)} MiB`);
}

const c = await startBench(['--nodes', '0', '--simulated-nodes', String(SIM_NODES)], SIM_NODES);
console.log(`== ${SIM_NODES} simulated nodes`);
const job = {
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'many' },
  spec: {
    completions: COMPLETIONS, parallelism: PARALLELISM, backoffLimit: 6,
    template: { metadata: { annotations: { 'tskube.io/simulated-exit-after': '200ms' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] } },
  },
};
await measure(c, `Job of ${COMPLETIONS} completions at parallelism ${PARALLELISM}, create → Complete`,
  () => c.kubectl(['apply', '-f', '-'], JSON.stringify(job)),
  () => c.watchUntil('/apis/batch/v1/namespaces/default/jobs?fieldSelector=metadata.name%3Dmany', (ev) =>
    (ev.object?.status?.conditions ?? []).some((x: any) => x.type === 'Complete' && x.status === 'True')));
const sts = {
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
  spec: {
    replicas: STS_REPLICAS, podManagementPolicy: 'Parallel', serviceName: 'web', selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
  },
};
await measure(c, `StatefulSet of ${STS_REPLICAS} replicas (Parallel), create → all Ready`,
  () => c.kubectl(['apply', '-f', '-'], JSON.stringify(sts)),
  () => c.watchUntil('/apis/apps/v1/namespaces/default/statefulsets?fieldSelector=metadata.name%3Dweb', (ev) => (ev.object?.status?.readyReplicas ?? 0) >= STS_REPLICAS));
await c.stop();
