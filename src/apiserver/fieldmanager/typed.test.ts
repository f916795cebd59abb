import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compare, merge, removeItems, toFieldSet, TypedErrors } from './typed.js';
import { definitionType, schemaType } from './schema.js';
import { FieldSet } from './set.js';

const deployment = definitionType('io.k8s.api.apps.v1.Deployment');
const dep = (image: string, replicas = 1) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } },
  },
});

describe('toFieldSet over the built-in schema', () => {
  it('gives a Deployment the fields managedFields show (atomic selector, keyed containers and ports)', () => {
    const fs = toFieldSet(dep('nginx'), deployment, true).set.toFieldsV1() as any;
    assert.deepEqual(fs['f:spec']['f:selector'], {});
    const c = fs['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'];
    assert.deepEqual(Object.keys(c).sort(), ['.', 'f:image', 'f:name', 'f:ports']);
    assert.deepEqual(c['f:ports'], { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } });
    // metadata.name is a field like any other here; the field manager strips it from managers' sets
    assert.deepEqual(fs['f:metadata'], { 'f:labels': { 'f:app': {} }, 'f:name': {} });
  });
  it('reports type errors, undeclared fields and duplicate keys of an applied configuration', () => {
    const bad = dep('x') as any;
    bad.spec.replicas = 'three';
    bad.spec.bogus = 1;
    bad.spec.template.spec.containers.push({ name: 'nginx', image: 'y' });
    assert.throws(() => toFieldSet(bad, deployment, true), (e: unknown) => {
      assert.ok(e instanceof TypedErrors);
      assert.deepEqual(e.errors, [
        '.spec.replicas: expected numeric (int or float), got string',
        '.spec.template.spec.containers: duplicate entries for key [name="nginx"]',
        '.spec.bogus: field not declared in schema',
      ]);
      return true;
    });
    assert.doesNotThrow(() => toFieldSet(bad, deployment, false));
  });
});

describe('compare, merge and removeItems', () => {
  it('compare finds modified scalars and added/removed list items', () => {
    const a = dep('nginx:1');
    const b = dep('nginx:2', 3) as any;
    b.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
    const c = compare(a, b, deployment);
    assert.deepEqual(c.modified.paths().map((x) => x.at(-1)), ['f:replicas', 'f:image']);
    assert.ok(c.added.has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"side"}']));
    assert.ok(c.removed.empty());
  });
  it('merge merges keyed lists per item and replaces atomic values', () => {
    const live = dep('nginx:1') as any;
    live.spec.template.spec.containers[0].imagePullPolicy = 'Always';
    const cfg = { spec: { selector: { matchLabels: { tier: 'x' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }, { name: 'b', image: 'b' }] } } } };
    const m = merge(live, cfg, deployment) as any;
    assert.deepEqual(m.spec.selector, { matchLabels: { tier: 'x' } });
    assert.deepEqual(m.spec.template.spec.containers.map((c: any) => [c.name, c.image, c.imagePullPolicy]), [['nginx', 'nginx:2', 'Always'], ['b', 'b', undefined]]);
  });
  it('removeItems deletes members and keyed items', () => {
    const obj = dep('nginx') as any;
    const set = FieldSet.fromPaths([['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:ports']]);
    removeItems(obj, set, deployment);
    assert.deepEqual(obj.metadata.labels, {});
    assert.equal(obj.spec.template.spec.containers[0].ports, undefined);
  });
  it('custom resources use list and map types of their schema', () => {
    const t = schemaType({
      type: 'object', properties: {
        spec: { type: 'object', properties: {
          items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'integer' }, v: { type: 'string' } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          conf: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
        } },
      },
    });
    const fs = toFieldSet({ spec: { items: [{ id: 1, v: 'a' }], tags: ['x'], conf: { a: 'b' } } }, t, true).set;
    assert.deepEqual(fs.paths(), [
      ['f:spec', 'f:conf'],
      ['f:spec', 'f:items', 'k:{"id":1}'], ['f:spec', 'f:items', 'k:{"id":1}', 'f:id'], ['f:spec', 'f:items', 'k:{"id":1}', 'f:v'],
      ['f:spec', 'f:tags', 'v:"x"'],
    ]);
  });
});

describe('merge order of keyed lists', () => {
  const t = schemaType({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['n'], items: { type: 'object', properties: { n: { type: 'string' }, v: { type: 'integer' } } } });
  const names = (v: unknown) => (v as { n: string }[]).map((x) => x.n).join('');
  it('shared items follow the configuration, live-only items keep their place, new ones come in where configured', () => {
    assert.equal(names(merge([{ n: 'a' }, { n: 'b' }, { n: 'c' }], [{ n: 'c' }, { n: 'a' }], t)), 'bca');
    assert.equal(names(merge([{ n: 'a' }, { n: 'x' }, { n: 'b' }], [{ n: 'a' }, { n: 'new' }, { n: 'b' }], t)), 'axnewb');
    assert.deepEqual(merge([{ n: 'a', v: 1 }], [{ n: 'a', v: 2 }, { n: 'b' }], t), [{ n: 'a', v: 2 }, { n: 'b' }]);
  });
});
