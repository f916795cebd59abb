import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet } from './set.js';
import { elementKey, pathString, parseElementKey, compareElementKeys } from './path.js';

const p = (...s: string[]) => s;

describe('path elements', () => {
  it('spell fields, keys (sorted), values and indexes as fieldsV1 does', () => {
    assert.equal(elementKey({ field: 'spec' }), 'f:spec');
    assert.equal(elementKey({ key: { protocol: 'TCP', containerPort: 80 } }), 'k:{"containerPort":80,"protocol":"TCP"}');
    assert.equal(elementKey({ value: 'foregroundDeletion' }), 'v:"foregroundDeletion"');
    assert.equal(elementKey({ index: 3 }), 'i:3');
    assert.deepEqual(parseElementKey('k:{"name":"a"}'), { key: { name: 'a' } });
    assert.equal(parseElementKey('x:y'), undefined);
  });
  it('print paths as conflict messages do', () => {
    assert.equal(pathString(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']), '.spec.template.spec.containers[name="nginx"].image');
    assert.equal(pathString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), '.spec.ports[port=80,protocol="TCP"]');
    assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  });
  it('sort fields before keys, values and indexes', () => {
    assert.deepEqual(['i:1', 'v:"a"', 'k:{"a":1}', 'f:z', 'f:a'].sort(compareElementKeys), ['f:a', 'f:z', 'k:{"a":1}', 'v:"a"', 'i:1']);
  });
});

describe('FieldSet', () => {
  const a = FieldSet.fromPaths([p('f:spec', 'f:replicas'), p('f:metadata', 'f:labels', 'f:app'), p('f:spec', 'f:ports', 'k:{"port":80}'), p('f:spec', 'f:ports', 'k:{"port":80}', 'f:port')]);
  const b = FieldSet.fromPaths([p('f:spec', 'f:replicas'), p('f:spec', 'f:paused')]);

  it('round-trips through fieldsV1, marking members with children by "."', () => {
    const v1 = a.toFieldsV1();
    assert.deepEqual(v1, {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:ports': { 'k:{"port":80}': { '.': {}, 'f:port': {} } }, 'f:replicas': {} },
    });
    assert.ok(FieldSet.fromFieldsV1(v1).equals(a));
  });
  it('refuses malformed fieldsV1', () => {
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:bad': {} }), /unknown path element/);
    assert.throws(() => FieldSet.fromFieldsV1([]), /JSON object/);
  });
  it('unions, intersects and subtracts by member', () => {
    assert.deepEqual(a.intersection(b).paths(), [p('f:spec', 'f:replicas')]);
    assert.deepEqual(b.difference(a).paths(), [p('f:spec', 'f:paused')]);
    assert.equal(a.union(b).paths().length, 5);
    assert.ok(a.difference(a).empty());
  });
  it('recursiveDifference drops whole subtrees; within keeps one; withParentFields adds parents', () => {
    const spec = FieldSet.fromPaths([p('f:spec')]);
    assert.deepEqual(a.recursiveDifference(spec).paths(), [p('f:metadata', 'f:labels', 'f:app')]);
    assert.deepEqual(a.within('f:metadata').paths(), [p('f:metadata', 'f:labels', 'f:app')]);
    assert.ok(b.withParentFields().has(p('f:spec')));
  });
});

/** referenceFieldsV1 is toFieldsV1 as first written (sets of keys, emptiness checked per child): the one-walk encoder must agree with it. */
function referenceFieldsV1(s: FieldSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Set([...s.members, ...s.children.keys()]);
  for (const k of [...keys].sort(compareElementKeys)) {
    const c = s.children.get(k);
    const sub = c && !c.empty() ? referenceFieldsV1(c) : undefined;
    if (sub && s.members.has(k)) out[k] = { '.': {}, ...sub };
    else if (sub) out[k] = sub;
    else if (s.members.has(k)) out[k] = {};
  }
  return out;
}

it('toFieldsV1 equals the reference encoding on random sets, empty subtrees and members with children included', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const keys = ['f:a', 'f:b', 'f:spec', 'k:{"name":"x"}', 'k:{"name":"y"}', 'v:"s"', 'i:2', 'i:10'];
  for (let n = 0; n < 300; n++) {
    const s = new FieldSet();
    for (let p = Math.floor(rand() * 8); p > 0; p--) {
      const path = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => keys[Math.floor(rand() * keys.length)]);
      s.insert(path);
    }
    // subtrees without members: difference leaves them out, so make some by hand
    // (children is read-only and shared while a node has none: reach the node's own map)
    if (rand() < 0.3) ((s as unknown as { c?: Map<string, FieldSet> }).c ??= new Map()).set('f:empty', new FieldSet());
    assert.deepEqual(s.toFieldsV1(), referenceFieldsV1(s));
    assert.deepEqual(JSON.stringify(s.toFieldsV1()), JSON.stringify(referenceFieldsV1(s)), 'same key order');
    assert.deepEqual(FieldSet.fromFieldsV1(s.toFieldsV1()).toFieldsV1(), s.toFieldsV1());
  }
});

it('sets without members or children share no state: filling one leaves the others empty', () => {
  const a = new FieldSet();
  const b = new FieldSet();
  a.insert(['f:spec', 'f:replicas']);
  assert.equal(b.members.size, 0);
  assert.equal(b.children.size, 0);
  assert.ok(b.empty());
  assert.deepEqual(b.toFieldsV1(), {});
  assert.deepEqual(a.toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(a.childSet('f:spec').members, new Set(['f:replicas']));
  assert.equal(a.childSet('f:status').children.size, 0);
});
