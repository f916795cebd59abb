import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { EventRecorder } from '../../client/events.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import type { Pod, Toleration } from '../nodelifecycle/pod-conditions.js';
import type { Taint } from '../nodelifecycle/taints.js';
import { TaintEvictionController } from './controller.js';

interface Env { tc: TestCluster; clock: FakeClock; recorder: EventRecorder }

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const UNREACHABLE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };

async function setup(): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  await tc.client.create(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'host02' }, spec: {} });
  const recorder = new EventRecorder(tc.client, { component: 'taint-eviction-controller' }, clock);
  const c = new TaintEvictionController(tc.client, tc.informers, clock, recorder);
  await tc.start();
  const ac = new AbortController();
  const running = c.run(ac.signal, 2);
  cleanup.push(async () => {
    ac.abort();
    await running;
    await recorder.flush();
    await tc.close();
  });
  return { tc, clock, recorder };
}

/** pod creates a pod bound to host02; the API server's DefaultTolerationSeconds adds its 300 s tolerations unless told otherwise. */
async function pod(env: Env, name: string, tolerations?: Toleration[]): Promise<void> {
  await env.tc.client.create<Pod>(Resources.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { nodeName: 'host02', containers: [{ name: 'c', image: 'nginx' }], ...(tolerations ? { tolerations } : {}) },
  });
}

async function taint(env: Env, taints: Taint[]): Promise<void> {
  await env.tc.client.patch(Resources.nodes, undefined, 'host02', { spec: { taints: taints.length ? taints : null } }, 'merge');
}

const getPod = (env: Env, name: string) => env.tc.client.get<Pod>(Resources.pods, 'default', name);
const evicted = async (env: Env, name: string) => !!(await getPod(env, name)).metadata?.deletionTimestamp;

/** advance moves the fake clock second by second, letting the controller's API calls land. */
async function advance(env: Env, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    await env.clock.step(1000);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function events(env: Env): Promise<KubeObject[]> {
  await env.recorder.flush();
  return (await env.tc.client.list(Resources.events, 'default')).items.filter((e) => e.reason === 'TaintManagerEviction');
}

describe('taint eviction controller', () => {
  it('deletes a pod that does not tolerate a NoExecute taint at once, with a DisruptionTarget condition and an event', async () => {
    const env = await setup();
    // DefaultTolerationSeconds covers unreachable for 300 s; nothing covers this taint.
    await pod(env, 'intolerant');
    await taint(env, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]);
    await eventually(async () => assert.equal(await evicted(env, 'intolerant'), true, 'intolerant evicted'));
    const p = await getPod(env, 'intolerant');
    const cond = p.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual({ status: cond?.status, reason: cond?.reason, message: cond?.message },
      { status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
    const ev = await eventually(async () => {
      const [e] = await events(env);
      assert.ok(e, 'event recorded');
      return e;
    });
    assert.equal(ev.message, 'Marking for deletion Pod default/intolerant');
    assert.equal(ev.type, 'Normal');
    assert.deepEqual(ev.source, { component: 'taint-eviction-controller' });
  });

  it('evicts after tolerationSeconds and not before', async () => {
    const env = await setup();
    await pod(env, 'web');
    const tol = (await getPod(env, 'web')).spec!.tolerations!.find((t) => t.key === UNREACHABLE.key)!;
    assert.equal(tol.tolerationSeconds, 300);
    await taint(env, [UNREACHABLE]);
    await advance(env, 298);
    assert.equal(await evicted(env, 'web'), false, 'still tolerated at 298 s');
    await advance(env, 3);
    await eventually(async () => assert.equal(await evicted(env, 'web'), true, 'web evicted'));
  });

  it('uses the shortest tolerationSeconds of the taints it matches', async () => {
    const env = await setup();
    await pod(env, 'short', [
      { key: UNREACHABLE.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      { key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    ]);
    await taint(env, [UNREACHABLE, { key: 'maintenance', effect: 'NoExecute' }]);
    await advance(env, 4);
    assert.equal(await evicted(env, 'short'), false);
    await advance(env, 2);
    await eventually(async () => assert.equal(await evicted(env, 'short'), true, 'short evicted'));
  });

  it('cancels a scheduled eviction when the taint goes away', async () => {
    const env = await setup();
    await pod(env, 'survivor', [{ key: UNREACHABLE.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
    await taint(env, [UNREACHABLE]);
    await advance(env, 10);
    await taint(env, []);
    const ev = await eventually(async () => {
      const e = (await events(env)).find((x) => String(x.message).startsWith('Cancelling'));
      assert.ok(e, 'event recorded');
      return e;
    });
    assert.equal(ev.message, 'Cancelling deletion of Pod default/survivor');
    await advance(env, 40);
    assert.equal(await evicted(env, 'survivor'), false);
  });

  it('never evicts a pod that tolerates the taint without a time limit', async () => {
    const env = await setup();
    await pod(env, 'forever', [{ operator: 'Exists' }]);
    await taint(env, [UNREACHABLE]);
    await advance(env, 400);
    assert.equal(await evicted(env, 'forever'), false);
    assert.deepEqual(await events(env), []);
  });

  it('evicts a pod bound to an already tainted node', async () => {
    const env = await setup();
    await taint(env, [UNREACHABLE]);
    await new Promise((r) => setTimeout(r, 50));
    await pod(env, 'late', [{ key: UNREACHABLE.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]);
    await eventually(async () => {
      await advance(env, 1);
      assert.equal(await evicted(env, 'late'), true, 'late evicted');
    });
  });
});
