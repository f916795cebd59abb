import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { Description, DescriptionAnnotation, Publisher, RootCACertConfigMapName } from './publisher.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBdummyCAforTests\n-----END CERTIFICATE-----\n';

describe('root-ca-cert-publisher', () => {
  let tc: TestCluster;
  const ac = new AbortController();
  let running: Promise<void>;
  let publisher: Publisher;
  before(async () => {
    tc = await startTestCluster();
    publisher = new Publisher({ client: tc.client, informers: tc.informers, clock: new FakeClock(new Date()), rootCA: CA });
    await tc.start();
    running = publisher.run(ac.signal, 1);
  });
  after(async () => {
    ac.abort();
    await running;
    await tc.close();
  });

  const rootCA = (ns: string) => tc.client.get(Resources.configmaps, ns, RootCACertConfigMapName);
  const assertPublished = (cm: KubeObject) => {
    assert.deepEqual(cm.data, { 'ca.crt': CA });
    assert.equal(cm.metadata?.annotations?.[DescriptionAnnotation], Description);
  };

  it('publishes the CA in the namespaces that exist at start', async () => {
    for (const ns of ['default', 'kube-system']) assertPublished(await eventually(() => rootCA(ns)));
  });

  it('publishes it in a new namespace', async () => {
    await tc.client.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    assertPublished(await eventually(() => rootCA('fresh')));
  });

  it('recreates a deleted ConfigMap', async () => {
    const old = await eventually(() => rootCA('default'));
    await tc.client.delete(Resources.configmaps, 'default', RootCACertConfigMapName);
    const again = await eventually(async () => {
      const cm = await rootCA('default');
      assert.notEqual(cm.metadata?.uid, old.metadata?.uid, 'a new object');
      return cm;
    });
    assertPublished(again);
  });

  it('restores edited data and a removed annotation, keeping other annotations', async () => {
    await tc.client.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edited' } });
    const cm = structuredClone(await eventually(() => rootCA('edited')));
    cm.data = { 'ca.crt': 'tampered', extra: 'x' };
    cm.metadata!.annotations = { mine: 'kept' };
    await tc.client.update(Resources.configmaps, 'edited', cm);
    const fixed = await eventually(async () => {
      const c = await rootCA('edited');
      assert.deepEqual(c.data, { 'ca.crt': CA });
      return c;
    });
    assertPublished(fixed);
    assert.equal(fixed.metadata?.annotations?.mine, 'kept');
  });

  it('gives up without an error on a namespace being deleted', async () => {
    await tc.client.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'going', finalizers: [] }, spec: { finalizers: ['kubernetes'] } });
    await eventually(() => rootCA('going'));
    await tc.client.delete(Resources.namespaces, undefined, 'going');
    await tc.client.delete(Resources.configmaps, 'going', RootCACertConfigMapName);
    // No namespace controller runs here: the namespace stays Terminating, and the publisher's create is refused.
    const ns = await tc.client.get(Resources.namespaces, undefined, 'going');
    assert.ok(ns.metadata?.deletionTimestamp, 'namespace is terminating');
    await assert.rejects(tc.client.create(Resources.configmaps, 'going', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' } }),
      (e: unknown) => e instanceof StatusError && e.code === 403);
    await eventually(() => assert.equal(tc.informers.informerFor(Resources.configmaps).lister.get('going', RootCACertConfigMapName), undefined));
    // The refused create is not an error to retry.
    await publisher.syncNamespace('going');
    await publisher.syncNamespace('no-such-namespace');
    await assert.rejects(rootCA('going'), (e: unknown) => e instanceof StatusError && e.code === 404);
  });
});
