import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { Resources } from '../../client/types.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { realClock } from '../../util/clock.js';
import { NodeIpamController, podCIDRsOf, type NodeIpamOptions } from './controller.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const node = (name: string, podCIDR?: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

async function setup(existing: KubeObject[], options: Partial<NodeIpamOptions> = {}): Promise<{ tc: TestCluster; c: NodeIpamController }> {
  const tc = await startTestCluster();
  for (const n of existing) await tc.client.create(Resources.nodes, undefined, n);
  const c = new NodeIpamController({ client: tc.client, informers: tc.informers, clock: realClock, options });
  await tc.start();
  const ac = new AbortController();
  const running = c.run(ac.signal, 2);
  cleanup.push(async () => { ac.abort(); await running; await c.flushEvents(); await tc.close(); });
  return { tc, c };
}

const cidrs = async (tc: TestCluster, name: string) => podCIDRsOf(await tc.client.get(Resources.nodes, undefined, name));

test('every node gets its own /24 of 10.244.0.0/16 in spec.podCIDR and spec.podCIDRs; ranges nodes already had are kept', async () => {
  const { tc } = await setup([node('host01', '10.244.0.0/24'), node('host02')]);
  await tc.client.create(Resources.nodes, undefined, node('host03'));
  const n2 = await eventually(async () => { const c = await cidrs(tc, 'host02'); assert.equal(c.length, 1); return c[0]; });
  const n3 = await eventually(async () => { const c = await cidrs(tc, 'host03'); assert.equal(c.length, 1); return c[0]; });
  assert.deepEqual(await cidrs(tc, 'host01'), ['10.244.0.0/24']);
  assert.deepEqual(new Set([n2, n3]), new Set(['10.244.1.0/24', '10.244.2.0/24']));
  const spec = (await tc.client.get(Resources.nodes, undefined, 'host02')).spec as { podCIDR: string; podCIDRs: string[] };
  assert.equal(spec.podCIDR, spec.podCIDRs[0]);
});

test('--cluster-cidr and --node-cidr-mask-size are honoured; exhaustion gives CIDRNotAvailable, a deleted node\'s range goes to the waiting node', async () => {
  const { tc, c } = await setup([], { clusterCIDR: '10.99.0.0/25', nodeCIDRMaskSize: 26 });
  await tc.client.create(Resources.nodes, undefined, node('a'));
  await eventually(async () => assert.deepEqual(await cidrs(tc, 'a'), ['10.99.0.0/26']));
  await tc.client.create(Resources.nodes, undefined, node('b'));
  await eventually(async () => assert.deepEqual(await cidrs(tc, 'b'), ['10.99.0.64/26']));
  await tc.client.create(Resources.nodes, undefined, node('c'));
  const ev = await eventually(async () => {
    await c.flushEvents();
    const list = await tc.client.list(Resources.events, 'default');
    const e = list.items.find((x) => x.reason === 'CIDRNotAvailable');
    assert.ok(e);
    return e;
  });
  assert.equal(ev.message, 'Node c status is now: CIDRNotAvailable');
  assert.equal(ev.type, 'Normal');
  assert.deepEqual((ev.involvedObject as { kind: string; name: string }).kind, 'Node');
  assert.deepEqual(await cidrs(tc, 'c'), []);
  await tc.client.delete(Resources.nodes, undefined, 'a');
  await eventually(async () => assert.deepEqual(await cidrs(tc, 'c'), ['10.99.0.0/26']));
  assert.equal(c.allocator.allocatedCount, 2);
});

test('the Service range is cut out of an overlapping cluster CIDR', async () => {
  const { tc } = await setup([], { clusterCIDR: '10.0.0.0/22', nodeCIDRMaskSize: 24, serviceClusterIPRange: '10.0.0.0/24' });
  await tc.client.create(Resources.nodes, undefined, node('a'));
  await eventually(async () => assert.deepEqual(await cidrs(tc, 'a'), ['10.0.1.0/24']));
});

test('--allocate-node-cidrs=false: nodes are left alone', async () => {
  const { tc } = await setup([node('a')], { allocateNodeCIDRs: false });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await cidrs(tc, 'a'), []);
});
