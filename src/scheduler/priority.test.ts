/**
 * PriorityClass and the Priority admission, through the real API server: what the scheduler's
 * queue and preemption read from pods.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../apimachinery/errors.js';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import type { Pod } from './framework/api.js';

const PC = { group: 'scheduling.k8s.io', version: 'v1', plural: 'priorityclasses', namespaced: false };
const PODS = { group: '', version: 'v1', plural: 'pods', namespaced: true };

let tc: TestCluster | undefined;
afterEach(async () => { await tc?.close(); tc = undefined; });

const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

async function refused(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try { await p; } catch (e) { if (e instanceof StatusError) return { code: e.code, message: e.message }; throw e; }
  throw new Error('not refused');
}

describe('Priority admission', () => {
  it('bootstraps the system classes', async () => {
    tc = await startTestCluster();
    const { items } = await tc.client.list(PC, undefined);
    assert.deepEqual(items.map((c) => [c.metadata?.name, c.value, c.globalDefault ?? false, c.preemptionPolicy]).sort(), [
      ['system-cluster-critical', 2000000000, false, 'PreemptLowerPriority'],
      ['system-node-critical', 2000001000, false, 'PreemptLowerPriority'],
    ]);
  });

  it('resolves priorityClassName, defaults from the globalDefault class, refuses unknown classes and mismatches', async () => {
    tc = await startTestCluster();
    const c = tc.client;
    let p = await c.create<Pod>(PODS, 'default', pod('plain'));
    assert.deepEqual([p.spec?.priority, p.spec?.priorityClassName, p.spec?.preemptionPolicy], [0, undefined, 'PreemptLowerPriority']);
    await c.create(PC, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' });
    p = await c.create<Pod>(PODS, 'default', pod('important', { priorityClassName: 'high' }));
    assert.deepEqual([p.spec?.priority, p.spec?.preemptionPolicy], [1000, 'Never']);
    p = await c.create<Pod>(PODS, 'default', pod('critical', { priorityClassName: 'system-node-critical' }));
    assert.equal(p.spec?.priority, 2000001000);

    assert.deepEqual(await refused(c.create(PODS, 'default', pod('lost', { priorityClassName: 'nope' }))), { code: 403, message: 'pods "lost" is forbidden: no PriorityClass with name nope was found' });
    assert.deepEqual(await refused(c.create(PODS, 'default', pod('liar', { priorityClassName: 'high', priority: 5 }))),
      { code: 403, message: 'pods "liar" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name' });
    assert.deepEqual(await refused(c.create(PODS, 'default', pod('policy', { priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' }))),
      { code: 403, message: 'pods "policy" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name' });
    p = await c.create<Pod>(PODS, 'default', pod('same', { priorityClassName: 'high', priority: 1000 }));
    assert.equal(p.spec?.priority, 1000, 'the same value is accepted');

    await c.create(PC, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'normal' }, value: 10, globalDefault: true });
    p = await c.create<Pod>(PODS, 'default', pod('defaulted'));
    assert.deepEqual([p.spec?.priority, p.spec?.priorityClassName, p.spec?.preemptionPolicy], [10, 'normal', 'PreemptLowerPriority']);
    assert.deepEqual(await refused(c.create(PC, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'other' }, value: 20, globalDefault: true })),
      { code: 403, message: 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already marked as default. Only one default can exist' });
  });
});
