import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { applyObject, updateManagedFields, managerFromUserAgent, LAST_APPLIED } from './fieldmanager.js';
import type { ManagedFieldsEntry } from './managed.js';

const def = { group: 'apps', version: 'v1', kind: 'Deployment', subresources: ['status', 'scale'] } as unknown as ResourceDefinition;
const cmDef = { group: '', version: 'v1', kind: 'ConfigMap', subresources: [] } as unknown as ResourceDefinition;
const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');
const ctx = (now = t0, subresource?: string) => ({ def, now, subresource });

const config = (replicas?: number, image = 'nginx:1', extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', ...extra },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
  },
});
const entries = (o: KubeObject) => o.metadata!.managedFields as ManagedFieldsEntry[];
const entry = (o: KubeObject, manager: string) => entries(o).find((e) => e.manager === manager);

describe('managerFromUserAgent', () => {
  it('takes the User-Agent up to its first slash', () => {
    assert.equal(managerFromUserAgent('kubectl-edit/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl-edit');
    assert.equal(managerFromUserAgent(undefined), '');
  });
});

describe('updateManagedFields', () => {
  it('gives a creator every field it set, without server metadata or status', () => {
    const obj = { ...config(2), status: { replicas: 0 } } as KubeObject;
    const mf = updateManagedFields(ctx(), undefined, obj, 'kubectl-create');
    assert.equal(mf.length, 1);
    assert.deepEqual({ ...mf[0], fieldsV1: undefined }, { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: undefined });
    const f = mf[0].fieldsV1 as any;
    assert.deepEqual(Object.keys(f), ['f:spec']);
    assert.deepEqual(f['f:spec']['f:replicas'], {});
  });
  it('marks a map the write creates as owned itself (`.`), as Kubernetes\' Update entries show labels', () => {
    const obj = config(1, 'x', { labels: { app: 'web' } }) as KubeObject;
    const f = updateManagedFields(ctx(), undefined, obj, 'kubectl-create')[0].fieldsV1 as any;
    assert.deepEqual(f['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  });
  it('moves a changed field to the updater and keeps entries (and times) of others', () => {
    const live = config(2) as KubeObject;
    live.metadata!.managedFields = updateManagedFields(ctx(), undefined, live, 'creator');
    const next = structuredClone(live);
    (next.spec as any).replicas = 5;
    const mf = updateManagedFields(ctx(t1), live, next, 'scaler');
    next.metadata!.managedFields = mf;
    assert.deepEqual(entry(next, 'scaler')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(next, 'creator')!.time, '2026-01-01T00:00:00Z');
    assert.equal((entry(next, 'creator')!.fieldsV1 as any)['f:spec']['f:replicas'], undefined);
    // an update that changes nothing changes no entry
    assert.deepEqual(updateManagedFields(ctx(t1), next, structuredClone(next), 'other'), mf);
  });
  it('honours managedFields a client sends on the main resource, not on status', () => {
    const live = config(1) as KubeObject;
    live.metadata!.managedFields = updateManagedFields(ctx(), undefined, live, 'a');
    const next = structuredClone(live);
    next.metadata!.managedFields = [{ manager: 'b', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
    assert.deepEqual(updateManagedFields(ctx(), live, next, 'x').map((e) => e.manager), ['b']);
    assert.deepEqual(updateManagedFields(ctx(t0, 'status'), live, next, 'x').map((e) => e.manager), ['a']);
  });
  it('clears them when a client sends [] or [{}]', () => {
    const live = config(1) as KubeObject;
    live.metadata!.managedFields = updateManagedFields(ctx(), undefined, live, 'a');
    for (const reset of [[], [{}]]) {
      const next = structuredClone(live);
      (next.spec as any).replicas = 2;
      next.metadata!.managedFields = reset;
      assert.deepEqual(updateManagedFields(ctx(), live, next, 'x'), []);
    }
  });
});

describe('applyObject', () => {
  const applyAs = (live: KubeObject | undefined, cfg: Record<string, unknown>, manager: string, force = false, now = t0) =>
    applyObject(ctx(now), live, cfg, { manager, force });

  it('creates with an Apply entry owning exactly the applied fields', () => {
    const obj = applyAs(undefined, config(2), 'kubectl');
    const e = entry(obj, 'kubectl')!;
    assert.equal(e.operation, 'Apply');
    assert.deepEqual(Object.keys((e.fieldsV1 as any)['f:spec']).sort(), ['f:replicas', 'f:selector', 'f:template']);
  });

  it('answers a conflicting change with Kubernetes\' 409 and takes the field when forced', () => {
    const live = applyAs(undefined, config(2), 'a');
    assert.throws(() => applyAs(live, config(3), 'b'), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "a": .spec.replicas');
      assert.deepEqual(e.details?.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.replicas' }]);
      return true;
    });
    // the same value is shared ownership, not a conflict
    const shared = applyAs(live, config(2), 'b');
    assert.ok((entry(shared, 'a')!.fieldsV1 as any)['f:spec']['f:replicas']);
    assert.ok((entry(shared, 'b')!.fieldsV1 as any)['f:spec']['f:replicas']);
    const forced = applyAs(live, config(3), 'b', true);
    assert.equal((forced.spec as any).replicas, 3);
    assert.equal((entry(forced, 'a')!.fieldsV1 as any)['f:spec']['f:replicas'], undefined);
  });

  it('lists several conflicts per manager, Update managers with their apiVersion', () => {
    const live = config(2) as KubeObject;
    live.metadata!.managedFields = updateManagedFields(ctx(), undefined, live, 'kubectl-client-side-apply');
    assert.throws(() => applyAs(live, config(3, 'nginx:2'), 'kubectl'), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
      return true;
    });
  });

  it('removes fields the manager stops applying unless another manager owns them', () => {
    const live = applyAs(undefined, config(2, 'nginx:1', { labels: { a: '1', b: '2' } }), 'kubectl');
    const next = applyAs(live, config(undefined, 'nginx:1', { labels: { a: '1' } }), 'kubectl', false, t1);
    assert.deepEqual(next.metadata!.labels, { a: '1' });
    assert.equal((next.spec as any).replicas, undefined);
    // another manager's field stays
    const shared = applyAs(live, config(2), 'other');
    const after = applyAs(shared, config(undefined), 'kubectl');
    assert.equal((after.spec as any).replicas, 2);
  });

  it('leaves an unchanged object and its entry times alone', () => {
    const live = applyAs(undefined, config(2), 'kubectl');
    const again = applyAs(live, config(2), 'kubectl', false, t1);
    assert.deepEqual(again.metadata!.managedFields, live.metadata!.managedFields);
  });

  it('keeps the last-applied annotation in step when kubectl applies server-side', () => {
    const live = config(1, 'nginx:1', { annotations: { [LAST_APPLIED]: '{}' } }) as KubeObject;
    live.metadata!.managedFields = updateManagedFields(ctx(), undefined, live, 'kubectl-client-side-apply');
    const migrated = structuredClone(live);
    migrated.metadata!.managedFields = entries(live).map((e) => ({ ...e, manager: 'kubectl', operation: 'Apply' }));
    const next = applyAs(migrated, config(1, 'nginx:2'), 'kubectl');
    assert.equal((next.spec as any).template.spec.containers[0].image, 'nginx:2');
    assert.deepEqual(entries(next).map((e) => e.manager), ['kubectl']);
  });

  it('refuses configurations of another kind, with managedFields or badly typed (400)', () => {
    const refuses = (cfg: Record<string, unknown>, msg: RegExp) => assert.throws(() => applyAs(undefined, cfg, 'm'), (e: unknown) => e instanceof StatusError && e.code === 400 && msg.test(e.message));
    refuses({ ...config(1), kind: 'ReplicaSet' }, /^invalid object type: apps\/v1, Kind=ReplicaSet$/);
    refuses({ ...config(1), apiVersion: 'apps/v1beta1' }, /^Incorrect version specified in apply patch/);
    refuses({ ...config(1), metadata: { name: 'web', managedFields: [] } }, /^metadata.managedFields must be nil$/);
    refuses({ ...config(1), spec: { replicas: 'x' } }, /failed to create typed patch object \(web; apps\/v1, Kind=Deployment\): \.spec\.replicas: expected numeric/);
  });

  it('applies granular maps key by key (ConfigMap data)', () => {
    const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
    const a = applyObject({ def: cmDef, now: t0 }, undefined, cm({ x: '1' }), { manager: 'a', force: false });
    const b = applyObject({ def: cmDef, now: t0 }, a, cm({ y: '2' }), { manager: 'b', force: false });
    assert.deepEqual(b.data, { x: '1', y: '2' });
  });
});

describe('client-side apply migration (lastAppliedManager)', () => {
  it('lets kubectl take fields it applied client-side, not fields someone else changed since', () => {
    const lastApplied = config(1, 'nginx:1');
    const live = { ...config(1, 'nginx:1', { annotations: { [LAST_APPLIED]: JSON.stringify(lastApplied) } }) } as KubeObject;
    live.metadata!.managedFields = updateManagedFields(ctx(), undefined, live, 'kubectl-client-side-apply');
    const next = applyObject(ctx(t1), live, config(1, 'nginx:2'), { manager: 'kubectl', force: false });
    assert.equal((next.spec as any).template.spec.containers[0].image, 'nginx:2');
    // another manager than kubectl gets the conflict
    assert.throws(() => applyObject(ctx(t1), live, config(1, 'nginx:2'), { manager: 'helm', force: false }), /conflict with "kubectl-client-side-apply" using apps\/v1/);
    // a field changed after the last client-side apply is still a conflict
    const drifted = structuredClone(live);
    (drifted.spec as any).replicas = 5;
    drifted.metadata!.managedFields = updateManagedFields(ctx(), live, drifted, 'kubectl-client-side-apply');
    assert.throws(() => applyObject(ctx(t1), drifted, config(2, 'nginx:2'), { manager: 'kubectl', force: false }),
      (e: unknown) => e instanceof StatusError && e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });
});

describe('objects without managedFields', () => {
  it('are owned by "before-first-apply" when first applied, so changing them conflicts', () => {
    const live = config(1) as KubeObject;
    assert.throws(() => applyObject(ctx(), live, config(2), { manager: 'kubectl', force: false }),
      (e: unknown) => e instanceof StatusError && e.message === 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const same = applyObject(ctx(), live, config(1), { manager: 'kubectl', force: false });
    assert.deepEqual(entries(same).map((e) => `${e.manager}/${e.operation}`), ['kubectl/Apply', 'before-first-apply/Update']);
  });
});

describe('capUpdateManagers', () => {
  it('folds the oldest Update entries into "ancient-changes" beyond ten', () => {
    let obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} as Record<string, string> } as KubeObject;
    for (let i = 0; i < 12; i++) {
      const next = structuredClone(obj);
      (next.data as Record<string, string>)[`k${i}`] = 'v';
      next.metadata!.managedFields = updateManagedFields({ def: cmDef, now: new Date(Date.UTC(2026, 0, 1, 0, i)) }, obj, next, `writer-${String(i).padStart(2, '0')}`);
      obj = next;
    }
    const mf = entries(obj);
    assert.equal(mf.length, 10);
    const ancient = mf.find((e) => e.manager === 'ancient-changes')!;
    assert.deepEqual(ancient.fieldsV1, { 'f:data': { 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } });
    assert.equal(ancient.time, '2026-01-01T00:02:00Z');
    assert.ok(!mf.some((e) => ['writer-00', 'writer-01', 'writer-02'].includes(e.manager!)));
  });
});
