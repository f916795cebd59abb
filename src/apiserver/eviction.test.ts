import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import { Resources, type ResourceRef } from '../client/types.js';
import { createNamespace, startTestCluster, type TestCluster } from '../testing/test-cluster.js';

const PDBS: ResourceRef = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true };

interface PDBStatus { disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number; expectedPods: number; observedGeneration?: number; disruptedPods?: Record<string, string>; conditions?: { type: string; status: string; reason: string }[] }

let tc: TestCluster;
let ns = 0;

before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

/** namespace creates a fresh namespace for one test. */
async function namespace(): Promise<string> {
  const name = `ev${++ns}`;
  await createNamespace(tc.client, name);
  return name;
}

async function pod(n: string, name: string, o: { phase?: string; ready?: boolean; app?: string } = {}): Promise<void> {
  const p = await tc.client.create(Resources.pods, n, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: n, labels: { app: o.app ?? 'web' } },
    spec: { nodeName: 'host01', containers: [{ name: 'c', image: 'nginx' }] },
  });
  await tc.client.updateStatus(Resources.pods, n, {
    ...p, status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  });
}

/** pdb creates a budget and writes the status the disruption controller would have computed. */
async function pdb(n: string, name: string, status: Partial<PDBStatus>, spec: Record<string, unknown> = { minAvailable: 1 }): Promise<void> {
  const p = await tc.client.create<KubeObject>(PDBS, n, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: n }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
  await tc.client.updateStatus(PDBS, n, {
    ...p, status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, observedGeneration: p.metadata?.generation, ...status },
  });
}

async function evict(n: string, name: string, body: Record<string, unknown> = {}): Promise<KubeObject | StatusError> {
  try {
    return await tc.client.createSubresource(Resources.pods, n, name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: n }, ...body });
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
}

const getPod = (n: string, name: string) => tc.client.get(Resources.pods, n, name);
const getStatus = async (n: string, name: string) => (await tc.client.get(PDBS, n, name)).status as PDBStatus;
const deleting = async (n: string, name: string) => !!(await getPod(n, name)).metadata?.deletionTimestamp;

describe('pods/eviction', () => {
  it('evicts a pod no budget covers: 201 Success, DisruptionTarget condition, graceful delete', async () => {
    const n = await namespace();
    await pod(n, 'a');
    const r = await evict(n, 'a');
    assert.deepEqual(r, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const p = await getPod(n, 'a');
    assert.ok(p.metadata?.deletionTimestamp, 'being deleted');
    const c = (p.status as { conditions: { type: string; status: string; reason?: string; message?: string }[] }).conditions.find((x) => x.type === 'DisruptionTarget');
    assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);
  });

  it('answers 404 for a missing pod and 400 for a name mismatch', async () => {
    const n = await namespace();
    const missing = await evict(n, 'nope');
    assert.ok(missing instanceof StatusError);
    assert.equal(missing.code, 404);
    assert.equal(missing.message, 'pods "nope" not found');
    await pod(n, 'b');
    const mismatch = await tc.client.createSubresource(Resources.pods, n, 'b', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } }).catch((e) => e as StatusError);
    assert.ok(mismatch instanceof StatusError);
    assert.deepEqual([mismatch.code, mismatch.message], [400, 'name in URL does not match name in Eviction object']);
  });

  it('answers 400 for bodies that are not an Eviction', async () => {
    const n = await namespace();
    await pod(n, 'a');
    const post = async (body: string) => {
      const res = await fetch(`${tc.api.url}/api/v1/namespaces/${n}/pods/a/eviction`, { method: 'POST', headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json' }, body });
      return [res.status, ((await res.json()) as { message: string }).message];
    };
    assert.deepEqual(await post('{}'), [400, 'name in URL does not match name in Eviction object']);
    assert.deepEqual(await post('[]'), [400, 'the object provided is unrecognized (must be of type Eviction): couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b5d)']);
    assert.deepEqual(await post('null'), [400, 'name in URL does not match name in Eviction object'], 'null decodes as an empty Eviction');
    assert.deepEqual(await post('{"metadata":{"name":1}}'),
      [400, 'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string']);
    assert.deepEqual(await post('{"metadata":{"name":"a"},"deleteOptions":{"gracePeriodSeconds":"x"}}'),
      [400, 'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal string into Go struct field DeleteOptions.deleteOptions.gracePeriodSeconds of type int64']);
    assert.equal(await deleting(n, 'a'), false);
  });

  it('honours a resourceVersion precondition', async () => {
    const n = await namespace();
    await pod(n, 'a');
    const stale = await evict(n, 'a', { deleteOptions: { preconditions: { resourceVersion: '1' } } });
    assert.ok(stale instanceof StatusError && stale.code === 409, 'stale resourceVersion refused');
    const rv = (await getPod(n, 'a')).metadata?.resourceVersion;
    assert.ok(!((await evict(n, 'a', { deleteOptions: { preconditions: { resourceVersion: rv } } })) instanceof StatusError), 'current resourceVersion accepted');
    assert.equal(await deleting(n, 'a'), true);
  });

  it('spends one disruption, records the pod, and flips the condition at zero', async () => {
    const n = await namespace();
    await pod(n, 'a');
    await pod(n, 'b');
    await pdb(n, 'budget', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' } as never] });
    const r = await evict(n, 'a');
    assert.ok(!(r instanceof StatusError), 'allowed');
    const st = await getStatus(n, 'budget');
    assert.equal(st.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(st.disruptedPods ?? {}), ['a']);
    assert.deepEqual(st.conditions?.map((c) => [c.status, c.reason]), [['False', 'InsufficientPods']]);
    assert.equal(await deleting(n, 'a'), true);

    const blocked = await evict(n, 'b');
    assert.ok(blocked instanceof StatusError);
    assert.equal(blocked.code, 429);
    assert.equal(blocked.reason, 'TooManyRequests');
    assert.equal(blocked.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(blocked.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget budget needs 1 healthy pods and has 2 currently' }]);
    assert.equal(await deleting(n, 'b'), false);
  });

  it('refuses while the budget status lags its spec, with Retry-After', async () => {
    const n = await namespace();
    await pod(n, 'a');
    await pdb(n, 'budget', { disruptionsAllowed: 3, observedGeneration: 0 });
    const res = await fetch(`${tc.api.url}/api/v1/namespaces/${n}/pods/a/eviction`, {
      method: 'POST', headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a', namespace: n } }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '10');
    const body = await res.json() as { details: { causes: unknown[]; retryAfterSeconds: number } };
    assert.deepEqual(body.details, { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget budget is still being processed by the server.' }] });
  });

  it('evicts an unready pod without spending a budget that is met, and refuses it when the budget is not met', async () => {
    const n = await namespace();
    await pod(n, 'sick', { ready: false });
    await pdb(n, 'budget', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
    assert.ok(!((await evict(n, 'sick')) instanceof StatusError), 'evicted');
    assert.equal((await getStatus(n, 'budget')).disruptionsAllowed, 0);
    assert.equal(await deleting(n, 'sick'), true);

    const n2 = await namespace();
    await pod(n2, 'sick', { ready: false });
    await pdb(n2, 'budget', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 });
    const r = await evict(n2, 'sick');
    assert.ok(r instanceof StatusError && r.code === 429, 'blocked');

    // unhealthyPodEvictionPolicy: AlwaysAllow lets unready pods go regardless.
    const n3 = await namespace();
    await pod(n3, 'sick', { ready: false });
    await pdb(n3, 'budget', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 }, { minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    assert.ok(!((await evict(n3, 'sick')) instanceof StatusError), 'AlwaysAllow');
  });

  it('ignores budgets for pods that are not running', async () => {
    const n = await namespace();
    await pod(n, 'pending', { phase: 'Pending' });
    await pod(n, 'done', { phase: 'Succeeded' });
    await pdb(n, 'budget', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 5 });
    assert.ok(!((await evict(n, 'pending')) instanceof StatusError), 'pending evicted');
    assert.ok(!((await evict(n, 'done')) instanceof StatusError), 'succeeded evicted');
  });

  it('refuses a pod covered by two budgets', async () => {
    const n = await namespace();
    await pod(n, 'a');
    await pdb(n, 'one', { disruptionsAllowed: 1 });
    await pdb(n, 'two', { disruptionsAllowed: 1 });
    const r = await evict(n, 'a');
    assert.ok(r instanceof StatusError);
    assert.deepEqual([r.code, r.message], [500, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.']);
  });

  it('changes nothing on dry run', async () => {
    const n = await namespace();
    await pod(n, 'a');
    await pdb(n, 'budget', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
    const r = await evict(n, 'a', { deleteOptions: { dryRun: ['All'] } });
    assert.ok(!(r instanceof StatusError), 'dry run allowed');
    assert.equal((await getStatus(n, 'budget')).disruptionsAllowed, 1);
    assert.equal(await deleting(n, 'a'), false);
    assert.equal((await getPod(n, 'a')).status && ((await getPod(n, 'a')).status as { conditions: { type: string }[] }).conditions.some((c) => c.type === 'DisruptionTarget'), false);
  });
});
