import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, compareAll, type Comparison } from './typed.js';
import { definitionType } from './schema.js';

const podType = definitionType('io.k8s.api.core.v1.Pod');

const basePod = () => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web', tier: 'front' }, annotations: { a: '1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] },
  spec: {
    nodeName: 'n1', restartPolicy: 'Always',
    containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '10m' } }, env: [{ name: 'A', value: '1' }] }],
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
    nodeSelector: { disk: 'ssd' },
  },
  status: {
    phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: 't0' }],
    containerStatuses: [{ name: 'web', ready: false, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} }],
  },
});

/** mulberry32: a seeded generator, so a failure names its seed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mutate changes one random place of v: a value replaced, a field removed, added, emptied, nulled or set undefined. */
function mutate(v: Record<string, unknown>, rand: () => number): void {
  let node: any = v;
  for (let depth = 0; depth < 6; depth++) {
    const keys = Object.keys(node);
    if (!keys.length) break;
    const k = keys[Math.floor(rand() * keys.length)];
    const child = node[k];
    if (child !== null && typeof child === 'object' && rand() < 0.7) { node = child; continue; }
    const choice = rand();
    if (Array.isArray(node)) {
      if (choice < 0.3) node.splice(Number(k), 1);
      else if (choice < 0.6) node.push(structuredClone(node[Number(k)] ?? {}));
      else node[Number(k)] = choice < 0.8 ? { name: `x${Math.floor(rand() * 3)}` } : 'v';
      return;
    }
    if (choice < 0.2) delete node[k];
    else if (choice < 0.35) node[k] = {};
    else if (choice < 0.45) node[k] = null;
    else if (choice < 0.5) node[k] = undefined;
    else if (choice < 0.7) node[`new${Math.floor(rand() * 3)}`] = rand() < 0.5 ? 'x' : { y: 1 };
    else node[k] = `${String(child)}!`;
    return;
  }
}

const show = (c: Comparison) => ({ added: c.added.toFieldsV1(), removed: c.removed.toFieldsV1(), modified: c.modified.toFieldsV1() });

test('compare, which skips the fields both sides hold identically, equals the whole walk on random changes of a pod', () => {
  for (let seed = 1; seed <= 400; seed++) {
    const rand = rng(seed);
    const l = basePod();
    for (let i = Math.floor(rand() * 3); i > 0; i--) mutate(l, rand);
    const r = structuredClone(l) as Record<string, unknown>;
    // structuredClone keeps undefined-valued keys: the pair differs only by what mutate does next
    for (let i = 1 + Math.floor(rand() * 4); i > 0; i--) mutate(r, rand);
    assert.deepEqual(show(compare(l, r, podType)), show(compareAll(l, r, podType)), `seed ${seed}`);
    assert.deepEqual(show(compare(r, l, podType)), show(compareAll(r, l, podType)), `seed ${seed} reversed`);
  }
});

test('compare of identical values finds nothing; an emptied object is still a change', () => {
  const l = basePod();
  const same = show(compare(l, structuredClone(l), podType));
  assert.deepEqual(same, { added: {}, removed: {}, modified: {} });
  const r = structuredClone(l) as any;
  r.spec.nodeSelector = {};
  assert.deepEqual(show(compare(l, r, podType)), show(compareAll(l, r, podType)));
  assert.deepEqual(show(compare(l, r, podType)).removed, { 'f:spec': { 'f:nodeSelector': { 'f:disk': {} } } });
});
