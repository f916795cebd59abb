import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { labelSelectorFromSpec } from '../../apimachinery/labels.js';
import { Resources } from '../../client/types.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { controllerRevisionName, hashControllerRevision } from './hash.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, ControllerHistory, equalRevision, findEqualRevisions, newControllerRevision, nextRevision, sortControllerRevisions,
  type ControllerRevision,
} from './history.js';

describe('ControllerHistory against the API server', () => {
  let tc: TestCluster;
  let history: ControllerHistory;
  let parent: KubeObject;
  let ref: OwnerReference;
  before(async () => {
    tc = await startTestCluster();
    const informer = tc.informers.informerFor<ControllerRevision>(Resources.controllerrevisions);
    history = new ControllerHistory(tc.client, informer.lister);
    await tc.start();
    parent = await tc.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } });
    ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'web', uid: parent.metadata!.uid!, controller: true, blockOwnerDeletion: true };
  });
  after(() => tc.close());

  const data = (image: string) => ({ spec: { template: { spec: { containers: [{ name: 'c', image }] }, $patch: 'replace' } } });

  it('newControllerRevision names the revision after the parent and the hash of its data', () => {
    const r = newControllerRevision(parent, ref, { app: 'web' }, data('nginx:1'), 1, 0);
    const hash = hashControllerRevision(data('nginx:1'), 0);
    assert.equal(r.metadata?.name, controllerRevisionName('web', hash));
    assert.deepEqual(r.metadata?.labels, { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    assert.deepEqual(r.metadata?.ownerReferences, [ref]);
  });

  it('creates a revision; creating the same data again returns the existing one', async () => {
    const r = newControllerRevision(parent, ref, { app: 'web' }, data('nginx:1'), 1, 0);
    const first = await history.createControllerRevision(parent, r, 0);
    assert.equal(first.collisionCount, 0);
    assert.equal(first.revision.metadata?.name, r.metadata?.name);
    const again = await history.createControllerRevision(parent, r, 0);
    assert.equal(again.revision.metadata?.uid, first.revision.metadata?.uid);
    assert.equal(again.collisionCount, 0);
  });

  it('a name taken by other data bumps the collision count and moves to the next name', async () => {
    const r = newControllerRevision(parent, ref, { app: 'web' }, data('nginx:2'), 2, 0);
    // Someone else's revision sits on the name this data hashes to.
    await tc.client.create(Resources.controllerrevisions, 'default', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: r.metadata!.name!, labels: { app: 'other' } }, data: { other: true }, revision: 1 });
    const created = await history.createControllerRevision(parent, r, 0);
    assert.equal(created.collisionCount, 1);
    assert.equal(created.revision.metadata?.name, controllerRevisionName('web', hashControllerRevision(data('nginx:2'), 1)));
    assert.deepEqual(created.revision.data, data('nginx:2'));
  });

  it('lists the revisions the parent owns or nobody owns, matching the selector', async () => {
    const names = await eventually(() => {
      const got = history.listControllerRevisions(parent, labelSelectorFromSpec({ matchLabels: { app: 'web' } })).map((r) => r.metadata?.name).sort();
      assert.equal(got.length, 2);
      return got;
    });
    assert.ok(names.every((n) => n?.startsWith('web-')));
    assert.deepEqual(history.listControllerRevisions({ metadata: { namespace: 'default', uid: 'someone-else' } }, labelSelectorFromSpec({ matchLabels: { app: 'web' } })), []);
  });

  it('updates the revision number and deletes revisions (a missing one is fine)', async () => {
    const r = await history.createControllerRevision(parent, newControllerRevision(parent, ref, { app: 'web' }, data('nginx:3'), 3, 0), 0);
    const updated = await history.updateControllerRevision(r.revision, 7);
    assert.equal(updated.revision, 7);
    assert.equal((await tc.client.get<ControllerRevision>(Resources.controllerrevisions, 'default', r.revision.metadata!.name!)).revision, 7);
    await history.deleteControllerRevision(updated);
    await history.deleteControllerRevision(updated);
    await assert.rejects(tc.client.get(Resources.controllerrevisions, 'default', r.revision.metadata!.name!), /not found/);
  });
});

describe('revision helpers', () => {
  const rev = (name: string, revision: number, created: string, d: unknown = { n: name }): ControllerRevision =>
    ({ metadata: { name, creationTimestamp: created }, revision, data: d });
  it('sorts by revision, then creation time, then name; next revision is one past the highest', () => {
    const rs = [rev('c', 2, '2026-01-01T00:00:00Z'), rev('b', 1, '2026-01-01T00:00:02Z'), rev('a', 1, '2026-01-01T00:00:02Z'), rev('z', 1, '2026-01-01T00:00:01Z')];
    assert.deepEqual(sortControllerRevisions(rs).map((r) => r.metadata?.name), ['z', 'a', 'b', 'c']);
    assert.equal(nextRevision(rs), 3);
    assert.equal(nextRevision([]), 1);
  });
  it('equalRevision compares data (key order aside); findEqualRevisions keeps order', () => {
    const a = rev('a', 1, '', { x: 1, y: 2 });
    const b = rev('b', 2, '', { y: 2, x: 1 });
    const c = rev('c', 3, '', { x: 2 });
    assert.equal(equalRevision(a, b), true);
    assert.equal(equalRevision(a, c), false);
    assert.equal(equalRevision(undefined, undefined), true);
    assert.equal(equalRevision(a, undefined), false);
    assert.deepEqual(findEqualRevisions([c, b, a], a).map((r) => r.metadata?.name), ['b', 'a']);
  });
});
