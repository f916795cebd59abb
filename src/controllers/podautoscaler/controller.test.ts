import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { defaultControllerOptions } from '../common/context.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { HorizontalController, type HorizontalControllerOptions } from './controller.js';
import { FakeMetricsClient, testPod, type PodOptions } from './testing.js';
import type { HPA, HPASpec } from './types.js';

const hpaV1: ResourceRef = { group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', namespaced: true };

interface Env {
  tc: TestCluster;
  clock: FakeClock;
  metrics: FakeMetricsClient;
  c: HorizontalController;
  /** reconcile runs one reconcile of an HPA once the caches hold its latest version */
  reconcile(name?: string): Promise<void>;
  run(): void;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(o: HorizontalControllerOptions = {}): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date('2026-01-01T12:00:00Z'));
  const metrics = new FakeMetricsClient(clock);
  const c = new HorizontalController({ client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions }, { metricsClient: metrics, ...o });
  await tc.start();
  const ac = new AbortController();
  let running: Promise<void> | undefined;
  cleanup.push(async () => {
    ac.abort();
    await running;
    await c.recorder.flush();
    await tc.close();
  });
  const hpaInformer = tc.informers.informerFor(Resources.horizontalpodautoscalers);
  return {
    tc, clock, metrics, c,
    async reconcile(name = 'web') {
      const fresh = await tc.client.get(Resources.horizontalpodautoscalers, 'default', name);
      await eventually(() => assert.equal(hpaInformer.lister.get('default', name)?.metadata?.resourceVersion, fresh.metadata?.resourceVersion));
      await c.reconcileKey(`default/${name}`);
    },
    run: () => { running = c.run(ac.signal, 2); },
  };
}

/** replicaSet creates a ReplicaSet selecting app=<name>; no ReplicaSet controller runs, so its pods are made by pods(). */
async function replicaSet(env: Env, name: string, replicas: number): Promise<void> {
  await env.tc.client.create(Resources.replicasets, 'default', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
}

/** pods creates Running, Ready pods (as an agent would report them) and waits until the pod cache has them. */
async function pods(env: Env, app: string, usage: (number | undefined)[], o: PodOptions = {}, resource = 'cpu'): Promise<void> {
  for (const [i, u] of usage.entries()) {
    const p = testPod(`${app}-${i}`, env.clock.now(), { requests: { cpu: '100m' }, ...o, labels: { app } });
    const created = await env.tc.client.create(Resources.pods, 'default', { ...p, status: undefined });
    await env.tc.client.updateStatus(Resources.pods, 'default', { ...created, status: p.status });
    if (u !== undefined) env.metrics.usage.set(p.metadata!.name!, { [resource]: u });
  }
  const informer = env.tc.informers.informerFor(Resources.pods);
  await eventually(() => assert.equal(informer.lister.list('default', (x) => x.metadata?.labels?.app === app && (x.status as { phase?: string } | undefined)?.phase === 'Running').length, usage.length));
}

function hpa(name: string, spec: Partial<HPASpec> = {}): HPA {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name }, minReplicas: 1, maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
  };
}

const getHPA = (env: Env, name = 'web') => env.tc.client.get<HPA>(Resources.horizontalpodautoscalers, 'default', name);
const rsReplicas = async (env: Env, name = 'web') => ((await env.tc.client.get(Resources.replicasets, 'default', name)).spec as { replicas: number }).replicas;
const conditions = (h: HPA) => Object.fromEntries((h.status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));

async function events(env: Env, name = 'web'): Promise<string[]> {
  await env.c.recorder.flush();
  const { items } = await env.tc.client.list(Resources.events, 'default');
  return items
    .filter((e) => (e.involvedObject as { kind?: string; name?: string }).kind === 'HorizontalPodAutoscaler' && (e.involvedObject as { name?: string }).name === name)
    .map((e) => `${e.type} ${e.reason} ${e.message}`);
}

describe('HorizontalController', () => {
  it('scales a ReplicaSet up on CPU utilization, and says so in status, conditions and an event', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 1);
    await pods(env, 'web', [200]);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web'));
    await env.reconcile();
    assert.equal(await rsReplicas(env), 4, 'ceil(1 × 200% / 50%) = 4 (and max(2×1, 4) allows it)');
    const h = await getHPA(env);
    assert.deepEqual({ ...h.status, conditions: undefined }, {
      currentReplicas: 1, desiredReplicas: 4, lastScaleTime: '2026-01-01T12:00:00Z', conditions: undefined,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }],
    });
    assert.deepEqual(conditions(h), {
      AbleToScale: ['True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 4'],
      ScalingActive: ['True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)'],
      ScalingLimited: ['False', 'DesiredWithinRange', 'the desired count is within the acceptable range'],
    });
    assert.ok(h.status!.conditions!.every((c) => c.lastTransitionTime === '2026-01-01T12:00:00Z'));
    assert.deepEqual(await events(env), ['Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    assert.deepEqual(env.metrics.calls, ['cpu default app=web ']);
    // autoscaling/v1 shows the same HPA with its CPU utilization.
    const v1 = await env.tc.client.get(hpaV1, 'default', 'web');
    assert.deepEqual(v1.status, { currentReplicas: 1, desiredReplicas: 4, currentCPUUtilizationPercentage: 200, lastScaleTime: '2026-01-01T12:00:00Z' });
  });

  it('reports a metrics API failure with Kubernetes\' conditions and events, and leaves the target alone', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 3);
    await pods(env, 'web', [10, 10, 10]);
    env.metrics.error = new Error('unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)');
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web', { minReplicas: 2 }));
    await env.reconcile();
    const h = await getHPA(env);
    assert.deepEqual({ currentReplicas: h.status?.currentReplicas, desiredReplicas: h.status?.desiredReplicas, currentMetrics: h.status?.currentMetrics }, { currentReplicas: 3, desiredReplicas: 0, currentMetrics: null });
    const failure = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
    assert.deepEqual(conditions(h), {
      AbleToScale: ['True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale"],
      ScalingActive: ['False', 'FailedGetResourceMetric', `the HPA was unable to compute the replica count: ${failure}`],
    });
    assert.deepEqual(await events(env), [
      `Warning FailedGetResourceMetric ${failure}`,
      `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${failure}`,
    ]);
    assert.equal(await rsReplicas(env), 3);
  });

  it('scales down only once the downscale stabilization window has passed (no behavior)', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 4);
    await pods(env, 'web', [10, 10, 10, 10]);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web'));
    await env.reconcile();
    assert.equal(await rsReplicas(env), 4);
    assert.deepEqual(conditions(await getHPA(env)).AbleToScale, ['True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation']);
    await env.clock.step(4 * 60_000);
    await env.reconcile();
    assert.equal(await rsReplicas(env), 4, 'still within 5 minutes of the recommendation of 4');
    await env.clock.step(60_000 + 1000);
    await env.reconcile();
    assert.equal(await rsReplicas(env), 1);
    assert.deepEqual(await events(env), ['Normal SuccessfulRescale New size: 1; reason: All metrics below target']);
    assert.equal((await getHPA(env)).status?.lastScaleTime, '2026-01-01T12:05:01Z');
  });

  it('follows behavior: a short scale-down window and one pod per period', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 4);
    await pods(env, 'web', [10, 10, 10, 10]);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web', {
      behavior: { scaleDown: { stabilizationWindowSeconds: 10, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    }));
    await env.reconcile();
    assert.equal(await rsReplicas(env), 4, 'the recommendation of 4 made now is within the 10 s window');
    await env.clock.step(11_000);
    await env.reconcile();
    assert.equal(await rsReplicas(env), 3);
    assert.deepEqual(conditions(await getHPA(env)).ScalingLimited, ['True', 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']);
    await env.clock.step(15_000);
    await env.reconcile();
    assert.equal(await rsReplicas(env), 3, 'one pod per 60 s');
    await env.clock.step(46_000);
    await env.reconcile();
    assert.equal(await rsReplicas(env), 2);
  });

  it('brings the target within minReplicas and maxReplicas', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 1);
    await replicaSet(env, 'big', 12);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web', { minReplicas: 2 }));
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('big'));
    await env.reconcile('web');
    await env.reconcile('big');
    assert.deepEqual([await rsReplicas(env, 'web'), await rsReplicas(env, 'big')], [2, 10]);
    assert.deepEqual(await events(env, 'web'), ['Normal SuccessfulRescale New size: 2; reason: Current number of replicas below Spec.MinReplicas']);
    assert.deepEqual(await events(env, 'big'), ['Normal SuccessfulRescale New size: 10; reason: Current number of replicas above Spec.MaxReplicas']);
  });

  it('does not autoscale a target scaled to zero', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 0);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web'));
    await env.reconcile();
    assert.equal(await rsReplicas(env), 0);
    const h = await getHPA(env);
    assert.deepEqual(conditions(h).ScalingActive, ['False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero']);
    assert.deepEqual([h.status?.currentReplicas, h.status?.desiredReplicas], [undefined, 0], 'a zero currentReplicas is omitted in v2');
  });

  it('reports a target it cannot reach', async () => {
    const env = await setup();
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web', { scaleTargetRef: { apiVersion: 'example.com/v1', kind: 'Foo', name: 'x' } }));
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('gone'));
    await env.reconcile('web');
    await env.reconcile('gone');
    assert.deepEqual(conditions(await getHPA(env)).AbleToScale, ['False', 'FailedGetScale', 'the HPA controller was unable to get the target\'s current scale: no matches for kind "Foo" in group "example.com"']);
    assert.deepEqual(await events(env), ['Warning FailedGetScale no matches for kind "Foo" in group "example.com"']);
    assert.deepEqual(await events(env, 'gone'), ['Warning FailedGetScale replicasets.apps "gone" not found']);
  });

  it('scales on memory by average value', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 2);
    await pods(env, 'web', [100 * 2 ** 20 * 1000, 100 * 2 ** 20 * 1000], { requests: { memory: '64Mi' } }, 'memory');
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web', {
      metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '50Mi' } } }],
    }));
    await env.reconcile();
    assert.equal(await rsReplicas(env), 4);
    assert.deepEqual((await getHPA(env)).status?.currentMetrics, [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '104857600' } } }]);
    assert.deepEqual(await events(env), ['Normal SuccessfulRescale New size: 4; reason: memory resource above target']);
  });

  it('autoscales an autoscaling/v1 HPA', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 2);
    await pods(env, 'web', [80, 80]);
    await env.tc.client.create(hpaV1, 'default', {
      apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
    } as KubeObject);
    await env.reconcile();
    assert.equal(await rsReplicas(env), 4, 'ceil(2 × 80% / 50%)');
    const v1 = await env.tc.client.get(hpaV1, 'default', 'web');
    assert.equal((v1.status as { currentCPUUtilizationPercentage?: number }).currentCPUUtilizationPercentage, 80);
  });

  it('refuses to act when two HPAs control the same pods', async () => {
    const env = await setup();
    await replicaSet(env, 'web', 2);
    await pods(env, 'web', [80, 80]);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web'));
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web2', { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' } }));
    await env.reconcile('web');
    await env.reconcile('web2');
    const msg = 'pods by selector app=web are controlled by multiple HPAs: [default/web default/web2]';
    assert.deepEqual(conditions(await getHPA(env, 'web2')).ScalingActive, ['False', 'AmbiguousSelector', msg]);
    assert.ok((await events(env, 'web2')).includes(`Warning AmbiguousSelector ${msg}`));
  });

  it('scales a custom resource through its scale subresource, found by discovery', async () => {
    const env = await setup();
    const crds: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };
    const crontabs: ResourceRef = { group: 'stable.example.com', version: 'v1', plural: 'crontabs', namespaced: true };
    await env.tc.client.create(crds, undefined, {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' },
      spec: {
        group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } }, status: { type: 'object', properties: { replicas: { type: 'integer' }, labelSelector: { type: 'string' } } } } } },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' } },
        }],
      },
    });
    const ct = await eventually(() => env.tc.client.create(crontabs, 'default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'ct' }, spec: { replicas: 1 } }), 10_000, 100);
    await env.tc.client.updateStatus(crontabs, 'default', { ...ct, status: { replicas: 1, labelSelector: 'app=ct' } });
    await pods(env, 'ct', [200]);
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('ct', { scaleTargetRef: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: 'ct' } }));
    await env.reconcile('ct');
    assert.equal(((await env.tc.client.get(crontabs, 'default', 'ct')).spec as { replicas: number }).replicas, 4);
    assert.deepEqual(await events(env, 'ct'), ['Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
  });

  it('reconciles each HPA once per sync period on the injected clock', async () => {
    const env = await setup({ syncPeriodMs: 15_000 });
    await replicaSet(env, 'web', 1);
    await pods(env, 'web', [200]);
    env.run();
    await env.tc.client.create(Resources.horizontalpodautoscalers, 'default', hpa('web'));
    await eventually(() => assert.ok(env.c.queue.len() === 0));
    assert.equal(await rsReplicas(env), 1, 'a new HPA waits one sync period, as upstream\'s');
    await env.clock.step(15_000);
    await eventually(async () => assert.equal((await getHPA(env)).status?.desiredReplicas, 4));
    assert.equal(await rsReplicas(env), 4);
    // The reconcile is over once it scheduled the next one.
    await eventually(() => assert.ok(env.clock.pending() > 0));
    const calls = env.metrics.calls.length;
    await env.clock.step(15_000);
    await eventually(() => assert.ok(env.metrics.calls.length > calls, 'reconciled again'));
  });
});
