import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import type { Informer, InformerFactory, InformerOptions, Lister } from '../../client/informer-types.js';
import { eventually, startTestCluster } from '../../testing/test-cluster.js';
import { startController } from '../../testing/controller-run.js';
import { FakeClock, realClock } from '../../util/clock.js';
import { defaultControllerOptions } from '../common/context.js';
import { parseObjectCountName, ResourceQuotaController } from './controller.js';

const QUOTAS = { group: '', version: 'v1', plural: 'resourcequotas', namespaced: true };
type Quota = KubeObject & { status?: { hard?: Record<string, string>; used?: Record<string, string> } };

const pod = (name: string, cpu: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu }, limits: { cpu } } }] },
});

describe('resource quota controller', () => {
  it('parses object count names', () => {
    assert.deepEqual(parseObjectCountName('count/deployments.apps'), { group: 'apps', resource: 'deployments' });
    assert.deepEqual(parseObjectCountName('count/pods'), { group: '', resource: 'pods' });
    assert.equal(parseObjectCountName('pods'), undefined);
  });

  it('fills status.hard and status.used, follows spec changes, frees what finished and deleted objects used', async () => {
    const tc = await startTestCluster();
    const c = new ResourceQuotaController({ client: tc.client, informers: tc.informers, clock: realClock, options: defaultControllerOptions });
    await tc.start();
    const stop = startController(c);
    try {
      await tc.client.create(Resources.pods, 'default', pod('a', '200m'));
      await tc.client.create(Resources.pods, 'default', pod('b', '300m'));
      await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'cm' }, data: {} });
      await tc.client.create(QUOTAS, 'default', {
        apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' },
        spec: { hard: { pods: '10', 'requests.cpu': '2', 'count/deployments.apps': '3' } },
      });
      const get = () => tc.client.get<Quota>(QUOTAS, 'default', 'q');
      await eventually(async () => {
        const q = await get();
        assert.deepEqual(q.status?.hard, { 'count/deployments.apps': '3', pods: '10', 'requests.cpu': '2' });
        assert.equal(q.status?.used?.pods, '2');
        assert.equal(q.status?.used?.['requests.cpu'], '500m');
        assert.equal(q.status?.used?.['count/deployments.apps'], '0');
      });
      // A spec change reaches status.hard; configmaps are counted once the quota names them.
      const q = await get();
      await tc.client.update(QUOTAS, 'default', { ...q, spec: { hard: { pods: '10', 'requests.cpu': '2', configmaps: '5' } } });
      await eventually(async () => {
        const cur = await get();
        assert.deepEqual(cur.status?.hard, { configmaps: '5', pods: '10', 'requests.cpu': '2' });
        assert.equal(cur.status?.used?.configmaps, '1');
        assert.equal(cur.status?.used?.['count/deployments.apps'], undefined);
      });
      // A pod that finished no longer counts; a deleted one neither.
      const a = await tc.client.get(Resources.pods, 'default', 'a');
      await tc.client.updateStatus(Resources.pods, 'default', { ...a, status: { phase: 'Succeeded' } });
      await eventually(async () => assert.equal((await get()).status?.used?.pods, '1'));
      await tc.client.delete(Resources.pods, 'default', 'b', { gracePeriodSeconds: 0 });
      await eventually(async () => {
        const cur = await get();
        assert.equal(cur.status?.used?.pods, '0');
        assert.equal(cur.status?.used?.['requests.cpu'], '0');
      });
    } finally {
      await stop();
      await tc.close();
    }
  });

  it('recounts every quota on the full resync (--resource-quota-sync-period)', async () => {
    const informerClock = new FakeClock();
    const tc = await startTestCluster({ informerClock });
    const c = new ResourceQuotaController({ client: tc.client, informers: tc.informers, clock: realClock, options: { ...defaultControllerOptions, resourceQuotaSyncPeriodMs: 60_000 } });
    await tc.start();
    const stop = startController(c);
    try {
      await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'cm' }, data: {} });
      await tc.client.create(QUOTAS, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { configmaps: '5' } } });
      const get = () => tc.client.get<Quota>(QUOTAS, 'default', 'q');
      await eventually(async () => assert.equal((await get()).status?.used?.configmaps, '1'));
      // A wrong count written behind the controller's back stays until the resync.
      const q = await get();
      await tc.client.updateStatus(QUOTAS, 'default', { ...q, status: { hard: { configmaps: '5' }, used: { configmaps: '4' } } });
      await eventually(async () => assert.equal(c.informerUsed('default', 'q'), '4'));
      await informerClock.step(60_000);
      await eventually(async () => assert.equal((await get()).status?.used?.configmaps, '1'));
    } finally {
      await stop();
      await tc.close();
    }
  });
  it('recounts from its own last write while the informer still holds an older quota', async () => {
    // The race: admission charges the quota (used 1); the controller, its configmap informer behind,
    // overwrites that with 0; then it recounts (1) against its quota informer's older copy, which
    // also says 1. Judged by that copy nothing changed, the 0 would stay (a status-only change
    // never requeues a quota).
    const tc = await startTestCluster();
    let frozen: Readonly<KubeObject>[] | undefined;
    const informers: InformerFactory = {
      start: (sig) => tc.informers.start(sig),
      waitForCacheSync: (sig) => tc.informers.waitForCacheSync(sig),
      informerFor: <T extends KubeObject>(res: ResourceRef, opts?: InformerOptions) => {
        const inf = tc.informers.informerFor<T>(res, opts);
        if (res.plural !== 'configmaps') return inf;
        // the configmap cache as it was when frozen: an informer that lags behind the store
        const lister: Lister<T> = {
          get: (ns, name) => inf.lister.get(ns, name),
          list: (ns, f) => (frozen ? (frozen as Readonly<T>[]).filter((o) => !ns || o.metadata?.namespace === ns) : inf.lister.list(ns, f)),
          byIndex: (i, v) => inf.lister.byIndex(i, v),
        };
        const lagging: Informer<T> = Object.create(inf);
        Object.defineProperty(lagging, 'lister', { value: lister });
        return lagging;
      },
    };
    const c = new ResourceQuotaController({ client: tc.client, informers, clock: realClock, options: defaultControllerOptions });
    await tc.start();
    try {
      const get = () => tc.client.get<Quota>(QUOTAS, 'default', 'q');
      await tc.client.create<Quota>(QUOTAS, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { configmaps: '5' } } });
      await c.syncResourceQuota(await get());
      assert.equal((await get()).status?.used?.configmaps, '0');
      frozen = [];
      await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'cm' }, data: {} });
      const charged = await get();
      assert.equal(charged.status?.used?.configmaps, '1', 'admission charged the quota');
      await c.syncResourceQuota(structuredClone(charged));
      assert.equal((await get()).status?.used?.configmaps, '0', 'the lagging count overwrote the charge');
      frozen = undefined;
      await eventually(async () => assert.ok(tc.informers.informerFor(Resources.configmaps).lister.get('default', 'cm')));
      await c.syncResourceQuota(structuredClone(charged));
      assert.equal((await get()).status?.used?.configmaps, '1');
    } finally {
      await tc.close();
    }
  });
});
