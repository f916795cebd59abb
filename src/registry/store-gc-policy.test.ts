// The default garbage-collection policy per kind when DeleteOptions say nothing (apiserver's
// DefaultGarbageCollectionPolicy): v1 ReplicationControllers and batch/v1 Jobs orphan their
// dependents, every other kind lets the garbage collector delete them in the background.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { configmaps } from '../api/core/config.js';
import { replicationcontrollers } from '../api/core/replicationcontrollers.js';
import { deployments, replicasets } from '../api/apps/deployments.js';
import { jobs } from '../api/batch/jobs.js';
import { cronjobs } from '../api/batch/cronjobs.js';
import { StatusError } from '../apimachinery/errors.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { FakeClock } from '../util/clock.js';
import { orphansDependentsByDefault, RegistryStore } from './store.js';

function store(def: ResourceDefinition): RegistryStore {
  return new RegistryStore(def, { backend: new MemoryBackend(), clock: new FakeClock(), namespaceState: async () => 'active' as const });
}

const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], restartPolicy: 'Never' } };
const objects: { def: ResourceDefinition; obj: KubeObject; orphans: boolean }[] = [
  { def: replicationcontrollers, obj: { metadata: { name: 'x' }, spec: { replicas: 1, selector: { app: 'a' }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Always' } } } }, orphans: true },
  { def: jobs, obj: { metadata: { name: 'x' }, spec: { template } }, orphans: true },
  { def: replicasets, obj: { metadata: { name: 'x' }, spec: { selector: { matchLabels: { app: 'a' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Always' } } } }, orphans: false },
  { def: deployments, obj: { metadata: { name: 'x' }, spec: { selector: { matchLabels: { app: 'a' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Always' } } } }, orphans: false },
  { def: cronjobs, obj: { metadata: { name: 'x' }, spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template } } } }, orphans: false },
  { def: configmaps, obj: { metadata: { name: 'x' } }, orphans: false },
];

test('orphansDependentsByDefault names v1 ReplicationControllers and batch/v1 Jobs only', () => {
  assert.deepEqual(objects.filter((o) => orphansDependentsByDefault(o.def)).map((o) => o.def.kind), ['ReplicationController', 'Job']);
});

for (const { def, obj, orphans } of objects) {
  test(`${def.kind}: a delete without options ${orphans ? 'orphans (orphan finalizer)' : 'deletes at once (background)'}; explicit options still win`, async () => {
    const s = store(def);
    await s.create('default', structuredClone(obj));
    const r = await s.delete('default', 'x');
    if (orphans) {
      assert.equal(r.deleted, false);
      assert.deepEqual(r.object.metadata?.finalizers, ['orphan']);
      assert.ok(r.object.metadata?.deletionTimestamp, 'marked for deletion');
    } else {
      assert.equal(r.deleted, true);
    }

    const s2 = store(def);
    await s2.create('default', structuredClone(obj));
    const bg = await s2.delete('default', 'x', { propagationPolicy: 'Background' });
    assert.equal(bg.deleted, true, 'Background overrides the default');
    await assert.rejects(s2.get('default', 'x'), (e: unknown) => e instanceof StatusError && e.code === 404);

    const s3 = store(def);
    await s3.create('default', structuredClone(obj));
    const fg = await s3.delete('default', 'x', { propagationPolicy: 'Foreground' });
    assert.deepEqual(fg.object.metadata?.finalizers, ['foregroundDeletion']);
    // A second delete without options keeps the finalizer the first one chose.
    const again = await s3.delete('default', 'x');
    assert.deepEqual(again.object.metadata?.finalizers, ['foregroundDeletion']);
  });
}
