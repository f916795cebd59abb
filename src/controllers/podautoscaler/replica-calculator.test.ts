import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { everythingSelector } from '../../apimachinery/labels.js';
import { toMilli } from '../../apimachinery/quantity.js';
import { FakeClock } from '../../util/clock.js';
import { calculatePodRequests, ReplicaCalculator } from './replica-calculator.js';
import { FakeMetricsClient, testPod, type PodOptions } from './testing.js';
import type { Pod } from './types.js';

const clock = new FakeClock(new Date('2026-01-01T12:00:00Z'));
const now = clock.now();
const ago = (ms: number) => new Date(now.getTime() - ms);
const sel = { text: 'app=web', parsed: everythingSelector };

interface Case {
  name: string;
  current: number;
  /** per pod: its options and its usage (undefined: no metric) */
  pods: { o?: PodOptions; usage?: number }[];
  resource?: string;
  /** Utilization target in percent, or AverageValue target as a quantity */
  target: number | string;
  container?: string;
  expect: { replicas: number; utilization?: number; raw?: number; usage?: number } | { error: string };
}

async function run(c: Case) {
  const resource = c.resource ?? 'cpu';
  const metrics = new FakeMetricsClient(clock);
  const pods: Pod[] = c.pods.map((p, i) => {
    const name = `p${i}`;
    if (p.usage !== undefined) {
      if (c.container) metrics.containerUsage.set(name, { [c.container]: { [resource]: p.usage } });
      else metrics.usage.set(name, { [resource]: p.usage });
    }
    return testPod(name, now, p.o);
  });
  const calc = new ReplicaCalculator({
    metricsClient: metrics, listPods: () => pods, tolerance: 0.1,
    cpuInitializationPeriodMs: 5 * 60_000, delayOfInitialReadinessStatusMs: 30_000, clock,
  });
  return typeof c.target === 'number'
    ? calc.getResourceReplicas(c.current, c.target, resource, 'default', sel, c.container ?? '')
    : calc.getRawResourceReplicas(c.current, toMilli(c.target), resource, 'default', sel, c.container ?? '');
}

const usage = (...levels: (number | undefined)[]) => levels.map((u) => ({ usage: u }));
const Mi = (n: number) => n * 2 ** 20 * 1000;

const cases: Case[] = [
  { name: 'scales up to ceil(ready pods × usage / target)', current: 3, pods: usage(300, 500, 700), target: 30, expect: { replicas: 5, utilization: 50, raw: 500 } },
  { name: 'scales down', current: 5, pods: usage(100, 300, 500, 250, 250), target: 50, expect: { replicas: 3, utilization: 28, raw: 280 } },
  { name: 'keeps the count within the 10% tolerance', current: 3, pods: [{ usage: 1010, o: { requests: { cpu: '900m' } } }, { usage: 1030 }, { usage: 1020, o: { requests: { cpu: '1100m' } } }], target: 100, expect: { replicas: 3, utilization: 102, raw: 1020 } },
  {
    name: 'counts a pod that never became ready as using nothing on a scale-up',
    current: 3, pods: [{ usage: 300, o: { ready: false } }, { usage: 500 }, { usage: 700 }], target: 30,
    expect: { replicas: 4, utilization: 60, raw: 600 },
  },
  {
    name: 'keeps the count when unready pods would reverse a scale-up',
    current: 3, pods: [{ usage: 400 }, { usage: 500, o: { ready: false } }, { usage: 700, o: { ready: false } }], target: 30,
    expect: { replicas: 3, utilization: 40, raw: 400 },
  },
  {
    name: 'leaves unready pods out of a scale-down',
    current: 5, pods: [{ usage: 100 }, { usage: 300 }, { usage: 500 }, { usage: 250, o: { ready: false } }, { usage: 250, o: { ready: false } }], target: 50,
    expect: { replicas: 2, utilization: 30, raw: 300 },
  },
  {
    name: 'skips the cpu of a pod ready for less than one metric window within its initialization period',
    current: 3, pods: [{ usage: 300, o: { startTime: ago(60_000), readySince: ago(30_000) } }, { usage: 500 }, { usage: 700 }], target: 30,
    expect: { replicas: 4, utilization: 60, raw: 600 },
  },
  {
    name: 'uses the cpu of a pod ready for a full window within its initialization period',
    current: 3, pods: [{ usage: 300, o: { startTime: ago(120_000), readySince: ago(61_000) } }, { usage: 500 }, { usage: 700 }], target: 30,
    expect: { replicas: 5, utilization: 50, raw: 500 },
  },
  {
    name: 'uses the cpu of a pod that was ready once and is not now, after its initialization period',
    current: 3, pods: [{ usage: 300, o: { ready: false, readySince: ago(60_000) } }, { usage: 500 }, { usage: 700 }], target: 30,
    expect: { replicas: 5, utilization: 50, raw: 500 },
  },
  {
    name: 'treats pending pods as unready',
    current: 3, pods: [{ o: { phase: 'Pending' } }, { usage: 500 }, { usage: 700 }], target: 30,
    expect: { replicas: 4, utilization: 60, raw: 600 },
  },
  {
    name: 'ignores pods being deleted and failed pods',
    current: 3, pods: [{ usage: 900, o: { deleting: true } }, { usage: 900, o: { phase: 'Failed' } }, { usage: 1000 }], target: 50,
    expect: { replicas: 2, utilization: 100, raw: 1000 },
  },
  {
    name: 'counts a pod without metrics as using its request on a scale-down',
    current: 4, pods: usage(400, 95, 300, undefined), target: 100,
    expect: { replicas: 2, utilization: 26, raw: 265 },
  },
  {
    name: 'counts a pod without metrics as using nothing on a scale-up',
    current: 4, pods: usage(1900, 1500, 1300, undefined), target: 100,
    expect: { replicas: 5, utilization: 156, raw: 1566 },
  },
  {
    name: 'keeps the count when a pod without metrics would reverse a scale-up',
    current: 4, pods: usage(900, 1500, 1300, undefined), target: 100,
    expect: { replicas: 4, utilization: 123, raw: 1233 },
  },
  {
    name: 'counts a pod without metrics at the target when the target is above 100%',
    current: 3, pods: usage(100, 100, undefined), target: 150,
    expect: { replicas: 2, utilization: 10, raw: 100 },
  },
  {
    name: 'memory utilization ignores readiness',
    current: 2, resource: 'memory',
    pods: [{ usage: Mi(80), o: { requests: { memory: '100Mi' }, ready: false } }, { usage: Mi(80), o: { requests: { memory: '100Mi' } } }], target: 50,
    expect: { replicas: 4, utilization: 80, raw: Mi(80) },
  },
  {
    name: 'memory average value',
    current: 2, resource: 'memory', pods: usage(Mi(100), Mi(50)), target: '50Mi',
    expect: { replicas: 3, usage: Mi(75) },
  },
  {
    name: 'average value within tolerance',
    current: 2, pods: usage(520, 500), target: '500m',
    expect: { replicas: 2, usage: 510 },
  },
  {
    name: 'average value counts a pod without metrics at the target on a scale-down',
    current: 3, pods: usage(100, 100, undefined), target: '500m',
    expect: { replicas: 2, usage: 100 },
  },
  {
    name: 'one container\'s utilization',
    current: 1, container: 'app',
    pods: [{ usage: 400, o: { containers: [{ name: 'app', requests: { cpu: '200m' } }, { name: 'log', requests: { cpu: '800m' } }] } }], target: 100,
    expect: { replicas: 2, utilization: 200, raw: 400 },
  },
  { name: 'only unready pods', current: 2, pods: [{ usage: 100, o: { ready: false } }, { o: { phase: 'Pending' } }], target: 50, expect: { error: 'did not receive metrics for targeted pods (pods might be unready)' } },
  { name: 'a container without a request', current: 1, pods: [{ usage: 100, o: { requests: { memory: '1Gi' } } }], target: 50, expect: { error: 'missing request for cpu in container c of Pod p0' } },
];

describe('ReplicaCalculator', () => {
  for (const c of cases) {
    it(c.name, async () => {
      if ('error' in c.expect) {
        await assert.rejects(run(c), { message: c.expect.error });
        return;
      }
      const r = await run(c);
      if ('utilization' in r) {
        assert.deepEqual({ replicas: r.replicaCount, utilization: r.utilization, raw: r.rawUtilization }, c.expect);
      } else {
        assert.deepEqual({ replicas: r.replicaCount, usage: r.usage }, c.expect);
      }
      assert.deepEqual(r.timestamp, now);
    });
  }

  it('wraps a metrics API failure', async () => {
    const metrics = new FakeMetricsClient(clock);
    metrics.error = new Error('unable to fetch metrics from resource metrics API: boom');
    const calc = new ReplicaCalculator({ metricsClient: metrics, listPods: () => [testPod('p0', now)], tolerance: 0.1, cpuInitializationPeriodMs: 0, delayOfInitialReadinessStatusMs: 0, clock });
    await assert.rejects(calc.getResourceReplicas(1, 50, 'cpu', 'default', sel, ''), { message: 'unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: boom' });
  });

  it('needs pods to compare the metrics with', async () => {
    const metrics = new FakeMetricsClient(clock);
    metrics.usage.set('gone', { cpu: 100 });
    const calc = new ReplicaCalculator({ metricsClient: metrics, listPods: () => [], tolerance: 0.1, cpuInitializationPeriodMs: 0, delayOfInitialReadinessStatusMs: 0, clock });
    await assert.rejects(calc.getResourceReplicas(1, 50, 'cpu', 'default', sel, ''), { message: 'no pods returned by selector while calculating replica count' });
    await assert.rejects(calc.getRawResourceReplicas(1, 50, 'cpu', 'default', sel, ''), { message: 'no pods returned by selector while calculating replica count' });
  });

  it('refuses metrics of pods it does not know', async () => {
    const metrics = new FakeMetricsClient(clock);
    metrics.usage.set('stranger', { cpu: 100 });
    const calc = new ReplicaCalculator({ metricsClient: metrics, listPods: () => [testPod('p0', now)], tolerance: 0.1, cpuInitializationPeriodMs: 0, delayOfInitialReadinessStatusMs: 0, clock });
    await assert.rejects(calc.getResourceReplicas(1, 50, 'cpu', 'default', sel, ''), { message: 'no metrics returned matched known pods' });
  });
});

describe('calculatePodRequests', () => {
  it('sums containers and sidecars (restartable init containers), not ordinary init containers', () => {
    const pod = testPod('p', now, { containers: [{ name: 'a', requests: { cpu: '100m' } }, { name: 'b', requests: { cpu: '50m' } }] });
    pod.spec!.initContainers = [
      { name: 'init', image: 'busybox', resources: { requests: { cpu: '20m' } } },
      { name: 'sidecar', image: 'busybox', restartPolicy: 'Always', resources: { requests: { cpu: '30m' } } },
    ];
    assert.deepEqual(calculatePodRequests([pod], '', 'cpu'), new Map([['p', 180]]));
    assert.deepEqual(calculatePodRequests([pod], 'b', 'cpu'), new Map([['p', 50]]));
  });
});
