/**
 * Scheduler throughput: an in-process API server (memory store) with 1,000 Ready nodes (plain Node
 * objects, no agents) and 5,000 pods; the scheduler runs over the REST client and informers as in
 * `tskube up`. Prints pods bound per second. Figures only. Run: node --import tsx bench/scheduler.ts
 */
import { MemoryBackend } from '../src/storage/memory/memory-backend.js';
import { startApiServer } from '../src/apiserver/server.js';
import { bootstrapCluster } from '../src/apiserver/bootstrap.js';
import { RestClient } from '../src/client/rest.js';
import { SharedInformerFactory } from '../src/client/informer.js';
import { EventRecorder } from '../src/client/events.js';
import { Resources } from '../src/client/types.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { realClock } from '../src/util/clock.js';

const NODES = Number(process.env.NODES ?? 1000);
const PODS = Number(process.env.PODS ?? 5000);

const api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t'] });
await bootstrapCluster(api);
const client = new RestClient({ server: api.url, token: 't' });
const nodes = api.storeFor('', 'v1', 'nodes');
for (let i = 0; i < NODES; i++) {
  const name = `sim${String(i).padStart(4, '0')}`;
  await nodes.create(undefined, {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { allocatable: { cpu: '32', memory: '256Gi', pods: '110' }, capacity: { cpu: '32', memory: '256Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  });
}
const informers = new SharedInformerFactory(client);
const scheduler = new Scheduler({ client, informers, clock: realClock, recorder: new EventRecorder(client, { component: 'default-scheduler' }, realClock) });
const ac = new AbortController();
informers.start(ac.signal);
void scheduler.run(ac.signal);
await informers.waitForCacheSync();
const pods = api.storeFor('', 'v1', 'pods');
const t0 = performance.now();
for (let i = 0; i < PODS; i++) {
  await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '10Mi' } } }] } });
}
const created = performance.now();
for (;;) {
  const { items } = await client.list(Resources.pods, 'default', { fieldSelector: 'spec.nodeName=' });
  if (items.length === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
const t1 = performance.now();
console.log(`${PODS} pods on ${NODES} nodes: all bound ${((t1 - t0) / 1000).toFixed(1)} s after the first create (creates took ${((created - t0) / 1000).toFixed(1)} s)`);
console.log(`scheduling throughput: ${(PODS / ((t1 - t0) / 1000)).toFixed(0)} pods/s   (goal: > 1000 pods/s)`);
ac.abort();
await api.close();
process.exit(0);
