import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, eventually } from '../testing/test-cluster.js';
import { Resources } from '../client/types.js';
import { ComponentHealth } from '../api/core/componentstatus.js';
import { ComponentsThread, componentsThreadEnabled } from './components-thread.js';
import { gatherText, processRegistry } from '../util/metrics/legacy-registry.js';

test('componentsThreadEnabled: on unless TSKUBE_COMPONENTS_THREAD=0', () => {
  assert.equal(componentsThreadEnabled({}), true);
  assert.equal(componentsThreadEnabled({ TSKUBE_COMPONENTS_THREAD: '1' }), true);
  assert.equal(componentsThreadEnabled({ TSKUBE_COMPONENTS_THREAD: '0' }), false);
});

test('the components run on their thread against the API server: nodes register, ComponentStatus and /metrics reach across, stop ends them', async () => {
  const tc = await startTestCluster();
  const dataDir = mkdtempSync(join(tmpdir(), 'tskube-thread-'));
  const health = new ComponentHealth();
  const thread = new ComponentsThread();
  let components: Awaited<ReturnType<ComponentsThread['start']>> | undefined;
  try {
    components = await thread.start({
      server: tc.api.url, token: 't0k', nodeToken: 't0k', ca: 'not a CA: the test API server speaks plain HTTP', dataDir, nodes: 0, simulatedNodes: 2,
    }, health);
    // The simulated nodes of the thread register through the API.
    const nodes = await eventually(async () => {
      const l = await tc.client.list(Resources.nodes, undefined);
      assert.equal(l.items.length, 2);
      return l.items.map((n) => n.metadata!.name).sort();
    });
    assert.deepEqual(nodes, ['sim0001', 'sim0002']);
    assert.deepEqual(await health.check('scheduler'), { status: 'True', message: 'ok' });
    assert.deepEqual(await health.check('controller-manager'), { status: 'True', message: 'ok' });
    // The scheduler's and work queues' series live in the thread; the process registry merges them in.
    const text = await gatherText(await processRegistry());
    assert.match(text, /^scheduler_pending_pods\{queue="active"\} \d+$/m);
    assert.match(text, /^workqueue_depth\{name="replicaset"\} \d+$/m);
    await components.stop();
    components = undefined;
    assert.equal((await health.check('scheduler')).status, 'False');
    // This test process registered the same metrics (it imports the controllers) but no queue of its own.
    assert.doesNotMatch(await gatherText(await processRegistry()), /^workqueue_depth\{name="replicaset"\}/m);
  } finally {
    // A failed assertion must not leave the thread (and so this test process) running.
    await (components?.stop() ?? thread.terminate());
    await tc.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
