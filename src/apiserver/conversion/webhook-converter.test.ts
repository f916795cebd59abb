import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import type { CustomResourceDefinition } from '../../api/apiextensions/types.js';
import { StatusError } from '../../apimachinery/errors.js';
import { realClock } from '../../util/clock.js';
import { convertByWebhook, type ConversionDeps } from './webhook-converter.js';
import { startConversionWebhook, type ConversionWebhookServer } from './testing.js';

type Obj = Record<string, unknown>;

function crdFor(url: string, caBundle: string, reviewVersions = ['v1', 'v1beta1']): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'hosts.stable.example.com' },
    spec: {
      group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'hosts', kind: 'Host' },
      versions: [{ name: 'v1', served: true, storage: true }, { name: 'v2', served: true, storage: false }],
      conversion: { strategy: 'Webhook', webhook: { clientConfig: { url, caBundle }, conversionReviewVersions: reviewVersions } },
    },
  } as unknown as CustomResourceDefinition;
}

const v1 = (name: string, extra: Obj = {}): KubeObject => ({
  apiVersion: 'stable.example.com/v1', kind: 'Host',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', labels: { a: 'b' } }, hostPort: 'localhost:8080', ...extra,
});
const v2 = (name: string): KubeObject => ({
  apiVersion: 'stable.example.com/v2', kind: 'Host', metadata: { name, namespace: 'default', uid: `uid-${name}` }, host: 'example.com', port: '80',
});

const noStores: ConversionDeps = {
  storeFor: () => ({ get: () => Promise.reject(new Error('no stores in this test')) }),
  clock: realClock,
};

async function failure(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected the conversion to fail');
}

describe('convertByWebhook', () => {
  let hook: ConversionWebhookServer;
  before(async () => { hook = await startConversionWebhook(); });
  after(async () => { await hook.close(); });

  it('sends only the objects not in the desired version and puts the answers in their places', async () => {
    hook.requests.length = 0;
    const objs = [v1('a'), v2('b'), v1('c', { hostPort: 'h:1' })];
    const out = await convertByWebhook(crdFor(hook.url, hook.caBundle), objs, 'stable.example.com/v2', noStores);
    assert.equal(hook.requests.length, 1);
    const req = hook.requests[0];
    assert.equal(req.desiredAPIVersion, 'stable.example.com/v2');
    assert.deepEqual((req.objects as Obj[]).map((o) => (o.metadata as Obj).name), ['a', 'c']);
    assert.equal(out[1], objs[1], 'an object already in v2 is returned as it is');
    assert.deepEqual(out.map((o) => [o.apiVersion, o.host, o.port, o.hostPort]), [
      ['stable.example.com/v2', 'localhost', '8080', undefined],
      ['stable.example.com/v2', 'example.com', '80', undefined],
      ['stable.example.com/v2', 'h', '1', undefined],
    ]);
    // the original metadata comes back (resourceVersion included), labels as the webhook left them
    assert.deepEqual(out[0].metadata, objs[0].metadata);
  });

  it('makes no call when every object is in the desired version', async () => {
    hook.requests.length = 0;
    const objs = [v2('x')];
    assert.equal((await convertByWebhook(crdFor(hook.url, hook.caBundle), objs, 'stable.example.com/v2', noStores))[0], objs[0]);
    assert.equal(hook.requests.length, 0);
  });

  it('speaks the first review version it knows (v1beta1 here)', async () => {
    hook.requests.length = 0;
    const out = await convertByWebhook(crdFor(hook.url, hook.caBundle, ['v9', 'v1beta1']), [v2('y')], 'stable.example.com/v1', noStores);
    assert.equal(out[0].hostPort, 'example.com:80');
    await assert.rejects(convertByWebhook(crdFor(hook.url, hook.caBundle, ['v9']), [v2('y')], 'stable.example.com/v1', noStores),
      /Internal error occurred: no supported conversion review versions/);
  });

  it("words a webhook's refusal and an unreachable webhook as kube-apiserver does", async () => {
    let e = await failure(convertByWebhook(crdFor(hook.url, hook.caBundle), [v1('bad', { hostPort: 'nocolon' })], 'stable.example.com/v2', noStores));
    assert.equal(e.toStatus().code, 500);
    assert.equal(e.message, 'Internal error occurred: conversion webhook for stable.example.com/v1, Kind=Host failed: invalid hostPort value `nocolon`');
    const down = await startConversionWebhook();
    await down.close();
    e = await failure(convertByWebhook(crdFor(down.url, down.caBundle), [v1('a')], 'stable.example.com/v2', noStores));
    assert.equal(e.message, `Internal error occurred: conversion webhook for stable.example.com/v1, Kind=Host failed: Post "${down.url}?timeout=30s": dial tcp 127.0.0.1:${down.port}: connect: connection refused`);
  });

  it('refuses malformed answers: wrong uid, count, version, name; keeps only labels and annotations', async () => {
    const answer = (fn: (review: Obj) => Obj) => startConversionWebhook({ respond: fn });
    const ok = (review: Obj, objects: Obj[], over: Obj = {}) => ({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview',
      response: { uid: (review.request as Obj).uid, convertedObjects: objects, result: { status: 'Success' }, ...over },
    });
    const cases: [string, (review: Obj) => Obj, RegExp][] = [
      ['uid', (r) => ok(r, [], { uid: 'other' }), /failed: expected response.uid="[0-9a-f-]+", got "other"$/],
      ['count', (r) => ok(r, []), /returned 0 objects, expected 1$/],
      ['version', (r) => ok(r, [{ ...v1('a') }]), /returned invalid object at index 0: invalid groupVersion \(expected stable.example.com\/v2, received stable.example.com\/v1\)$/],
      ['name', (r) => ok(r, [{ ...v2('other'), metadata: { name: 'other', namespace: 'default', uid: 'uid-a' } }]), /returned invalid object: must have the same name: a != other$/],
      ['label', (r) => ok(r, [{ ...v2('a'), metadata: { name: 'a', namespace: 'default', uid: 'uid-a', labels: { 'bad key!': 'x' } } }]), /returned invalid metadata: metadata.labels: Invalid value: "bad key!"/],
      ['result', (r) => ok(r, [], { result: { status: 'Failure' } }), /failed: response.result.status was 'Failure', not 'Success'$/],
    ];
    for (const [what, respond, want] of cases) {
      const h = await answer(respond);
      try {
        const e = await failure(convertByWebhook(crdFor(h.url, h.caBundle), [v1('a')], 'stable.example.com/v2', noStores));
        assert.match(e.message, want, what);
      } finally {
        await h.close();
      }
    }
    const h = await answer((r) => ok(r, [{ ...v2('a'), metadata: { name: 'a', namespace: 'default', uid: 'uid-a', generation: 99, labels: { c: 'd' } } }]));
    try {
      const [out] = await convertByWebhook(crdFor(h.url, h.caBundle), [v1('a')], 'stable.example.com/v2', noStores);
      assert.deepEqual(out.metadata, { name: 'a', namespace: 'default', uid: 'uid-a', resourceVersion: '7', labels: { c: 'd' } });
    } finally {
      await h.close();
    }
  });
});
