import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder } from '../client/events.js';
import { Resources } from '../client/types.js';
import { startTestCluster, eventually } from '../testing/test-cluster.js';
import { realClock } from '../util/clock.js';
import type { Counter, Histogram } from 'prom-client';
import { Scheduler } from './scheduler.js';
import { podSchedulingAttempts, scheduleAttempts } from './metrics.js';

/** value reads one series of a prom-client metric (0 when it does not exist yet). */
async function value(m: Counter | Histogram, labels: Record<string, string>, metricName?: string): Promise<number> {
  const values = (await m.get()).values as { labels: Record<string, string | number | undefined>; value: number; metricName?: string }[];
  return values.find((v) => (!metricName || v.metricName === metricName) && Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x))?.value ?? 0;
}

describe('scheduler metrics', () => {
  it('counts attempts by result and profile, attempts per pod, pending pods by queue; /metrics serves them', async () => {
    const tc = await startTestCluster();
    const ac = new AbortController();
    let run: Promise<void> = Promise.resolve();
    try {
      const recorder = new EventRecorder(tc.client, { component: 'default-scheduler' }, realClock);
      const scheduler = new Scheduler({ client: tc.client, informers: tc.informers, clock: realClock, recorder });
      const alloc = { cpu: '1', memory: '1Gi', pods: '110' };
      await tc.client.create(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }, status: { allocatable: alloc, capacity: alloc } });
      const profile = { profile: 'default-scheduler' };
      const scheduled0 = await value(scheduleAttempts, { ...profile, result: 'scheduled' });
      const unschedulable0 = await value(scheduleAttempts, { ...profile, result: 'unschedulable' });
      const once0 = await value(podSchedulingAttempts, { le: '1' }, 'scheduler_pod_scheduling_attempts_bucket');
      await tc.start();
      run = scheduler.run(ac.signal);
      const container = (cpu: string) => ({ name: 'c', image: 'busybox', resources: { requests: { cpu } } });
      await tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fits' }, spec: { containers: [container('100m')] } });
      await tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'too-big' }, spec: { containers: [container('8')] } });
      await eventually(async () => {
        assert.equal(await value(scheduleAttempts, { ...profile, result: 'scheduled' }) - scheduled0, 1);
        assert.ok(await value(scheduleAttempts, { ...profile, result: 'unschedulable' }) - unschedulable0 >= 1);
      });
      assert.equal(await value(podSchedulingAttempts, { le: '1' }, 'scheduler_pod_scheduling_attempts_bucket') - once0, 1, 'scheduled at the first attempt');
      const text = await (await fetch(`${tc.api.url}/metrics`, { headers: { Authorization: 'Bearer t0k' } })).text();
      assert.match(text, /^scheduler_pending_pods\{queue="unschedulable"\} [1-9]\d*$/m, 'the pod that fits nowhere waits in unschedulablePods');
      assert.match(text, /^scheduler_pending_pods\{queue="active"\} \d+$/m);
      assert.match(text, /^scheduler_schedule_attempts_total\{profile="default-scheduler",result="scheduled"\} [1-9]\d*$/m);
      assert.match(text, /^scheduler_scheduling_attempt_duration_seconds_bucket\{profile="default-scheduler",result="scheduled",le="0.001"\} \d+$/m);
    } finally {
      ac.abort();
      await run;
      await tc.close();
    }
  });
});
