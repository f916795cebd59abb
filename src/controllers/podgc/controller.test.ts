import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { PodGCController, QUARANTINE_MS } from './controller.js';

const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const pod = (name: string, nodeName?: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
});

describe('PodGCController', () => {
  let tc: TestCluster;
  let clock: FakeClock;
  let gc: PodGCController;
  before(async () => {
    tc = await startTestCluster();
    clock = new FakeClock(new Date());
    gc = new PodGCController(tc.client, tc.informers, clock, { terminatedPodThreshold: 2 });
    await tc.start();
  });
  after(() => tc.close());

  const exists = async (name: string) => {
    try { await tc.client.get(Resources.pods, 'default', name); return true; } catch (e) { if (e instanceof StatusError && e.code === 404) return false; throw e; }
  };
  const cached = (name: string) => tc.informers.informerFor(Resources.pods).lister.get('default', name);

  it('deletes the pods of a node that is gone, only after the quarantine, marking them Failed first', async () => {
    await tc.client.create(Resources.nodes, undefined, node('gone'));
    await tc.client.create(Resources.nodes, undefined, node('here'));
    await tc.client.create(Resources.pods, 'default', pod('orphan', 'gone'));
    await tc.client.create(Resources.pods, 'default', pod('kept', 'here'));
    await tc.client.delete(Resources.nodes, undefined, 'gone');
    await eventually(() => {
      assert.ok(cached('orphan'), 'pod cached');
      assert.equal(tc.informers.informerFor(Resources.nodes).lister.get(undefined, 'gone'), undefined, 'node gone from cache');
    });
    await gc.gc();
    assert.equal(await exists('orphan'), true, 'first sighting starts the quarantine');
    await clock.step(QUARANTINE_MS - 1);
    await gc.gc();
    assert.equal(await exists('orphan'), true, 'still quarantined');
    await clock.step(1);
    await gc.gc();
    assert.equal(await exists('orphan'), false, 'deleted after 40 s');
    assert.equal(await exists('kept'), true, 'pods of live nodes stay');
  });

  it('keeps at most --terminated-pod-gc-threshold terminated pods, deleting the oldest', async () => {
    for (const name of ['t1', 't2', 't3', 't4']) {
      await tc.client.create(Resources.pods, 'default', pod(name, 'here'));
      const p = await tc.client.get(Resources.pods, 'default', name);
      await tc.client.updateStatus(Resources.pods, 'default', { ...p, status: { phase: 'Succeeded' } });
      await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision: make the order certain
    }
    await eventually(() => assert.equal((cached('t4')?.status as { phase?: string } | undefined)?.phase, 'Succeeded', 't4 Succeeded in cache'));
    await gc.gc();
    assert.deepEqual([await exists('t1'), await exists('t2'), await exists('t3'), await exists('t4')], [false, false, true, true]);
  });
});
