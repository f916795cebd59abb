import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { startConversionWebhook, type ConversionWebhookServer } from './testing.js';

// The API server converts custom resources with the CRD's conversion webhook on every read and
// write between the storage version and the one asked for: get, list (objects stored in several
// versions in one list), watch events, create and update bodies; a failing webhook fails the
// request with its error.
let tc: TestCluster;
let hook: ConversionWebhookServer;
before(async () => {
  tc = await startTestCluster();
  hook = await startConversionWebhook();
});
after(async () => {
  await hook.close();
  await tc.close();
});

type Body = Record<string, any>;
const headers = { Authorization: 'Bearer t0k', 'Content-Type': 'application/json', Accept: 'application/json' };

async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Body }> {
  const r = await fetch(`${tc.api.url}${path}`, { method, headers: { ...headers, 'Content-Type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : {} };
}

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUP = 'stable.example.com';
const NAME = `hosts.${GROUP}`;
const v1Path = `/apis/${GROUP}/v1/namespaces/default/hosts`;
const v2Path = `/apis/${GROUP}/v2/namespaces/default/hosts`;

function versions(storage: 'v1' | 'v2') {
  const schema = (props: Record<string, unknown>) => ({ openAPIV3Schema: { type: 'object', properties: props } });
  return [
    { name: 'v1', served: true, storage: storage === 'v1', schema: schema({ hostPort: { type: 'string' } }) },
    { name: 'v2', served: true, storage: storage === 'v2', schema: schema({ host: { type: 'string' }, port: { type: 'string' } }), selectableFields: [{ jsonPath: '.host' }] },
  ];
}

function crd(url: string, caBundle: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: NAME },
    spec: {
      group: GROUP, scope: 'Namespaced', names: { plural: 'hosts', singular: 'host', kind: 'Host' }, versions: versions('v1'),
      conversion: { strategy: 'Webhook', webhook: { clientConfig: { url, caBundle }, conversionReviewVersions: ['v1', 'v1beta1'] } },
    },
  };
}

const pick = (o: Body) => [o.apiVersion, o.metadata?.name, o.hostPort ?? `${o.host}|${o.port}`];

describe('custom resources converted by a conversion webhook', () => {
  it('converts on get, list of mixed storage versions, watch, create and update', async () => {
    assert.equal((await call('POST', CRDS, crd(hook.url, hook.caBundle))).status, 201);
    await eventually(async () => assert.equal((await call('GET', v2Path)).status, 200));

    // created in v1 (the storage version), read in v2
    let r = await call('POST', v1Path, { apiVersion: `${GROUP}/v1`, kind: 'Host', metadata: { name: 'one' }, hostPort: 'localhost:8080' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await call('GET', `${v2Path}/one`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(pick(r.body), [`${GROUP}/v2`, 'one', 'localhost|8080']);
    assert.equal(r.body.hostPort, undefined);

    // the storage version becomes v2: "one" stays stored in v1
    const current = (await call('GET', `${CRDS}/${NAME}`)).body;
    current.spec.versions = versions('v2');
    assert.equal((await call('PUT', `${CRDS}/${NAME}`, current)).status, 200);
    // a watch in v2 sees v1 writes converted (a CRD change ends watches: it reopens from where it was)
    const ac = new AbortController();
    let rv = (await call('GET', v2Path)).body.metadata.resourceVersion as string;
    const events: Body[] = [];
    const reading = (async () => {
      while (!ac.signal.aborted) {
        const w = await fetch(`${tc.api.url}${v2Path}?watch=true&resourceVersion=${rv}`, { headers, signal: ac.signal });
        let buf = '';
        for await (const chunk of w.body!) {
          buf += Buffer.from(chunk as Uint8Array).toString('utf8');
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const ev = JSON.parse(buf.slice(0, i)) as Body;
            buf = buf.slice(i + 1);
            events.push(ev);
            if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
          }
        }
      }
    })().catch(() => undefined);

    // created in v1 after the switch: converted to v2 to be stored
    await eventually(async () => {
      r = await call('POST', v1Path, { apiVersion: `${GROUP}/v1`, kind: 'Host', metadata: { name: 'two' }, hostPort: 'example.com:443' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    });
    hook.requests.length = 0;
    const v1List = await call('GET', v1Path);
    assert.deepEqual(v1List.body.items.map(pick), [[`${GROUP}/v1`, 'one', 'localhost:8080'], [`${GROUP}/v1`, 'two', 'example.com:443']]);
    // one call for the one object stored in another version than asked
    assert.deepEqual(hook.requests.map((q) => (q.objects as Body[]).map((o) => o.metadata.name)), [['two']]);
    const v2List = await call('GET', v2Path);
    assert.deepEqual(v2List.body.items.map(pick), [[`${GROUP}/v2`, 'one', 'localhost|8080'], [`${GROUP}/v2`, 'two', 'example.com|443']]);
    // field selectors match the version asked for (v2's host), whether the list comes from storage or the cache
    for (const q of ['', '&resourceVersion=0', '&limit=5']) {
      const sel = await call('GET', `${v2Path}?fieldSelector=host%3Dlocalhost${q}`);
      assert.deepEqual(sel.body.items?.map(pick), [[`${GROUP}/v2`, 'one', 'localhost|8080']], `${q}: ${JSON.stringify(sel.body)}`);
    }

    // an update in v2 of the object stored in v1 is stored in v2, and reads back the same in v1
    const one = (await call('GET', `${v2Path}/one`)).body;
    r = await call('PUT', `${v2Path}/one`, { ...one, port: '9090' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(pick(r.body), [`${GROUP}/v2`, 'one', 'localhost|9090']);
    assert.equal((await call('GET', `${v1Path}/one`)).body.hostPort, 'localhost:9090');
    r = await call('PATCH', `${v1Path}/two`, { hostPort: 'example.com:80' }, 'application/merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await call('GET', `${v2Path}/two`)).body.port, '80');

    await eventually(() => {
      const seen = events.map((e) => [e.type, ...pick(e.object)]);
      assert.ok(seen.some((e) => e[0] === 'ADDED' && e[2] === 'two' && e[3] === 'example.com|443'), JSON.stringify(seen));
      assert.ok(seen.some((e) => e[0] === 'MODIFIED' && e[2] === 'one' && e[3] === 'localhost|9090'), JSON.stringify(seen));
      assert.ok(seen.every((e) => e[1] === `${GROUP}/v2`), JSON.stringify(seen));
    });
    ac.abort();
    await reading;

    // the webhook gone: reads needing conversion fail with its error, reads that do not still work
    await hook.close();
    r = await call('GET', `${v1Path}/one`);
    assert.equal(r.status, 500);
    assert.equal(r.body.reason, 'InternalError');
    assert.equal(r.body.message, `Internal error occurred: conversion webhook for ${GROUP}/v2, Kind=Host failed: Post "${hook.url}?timeout=30s": dial tcp 127.0.0.1:${hook.port}: connect: connection refused`);
    assert.equal((await call('GET', `${v2Path}/one`)).status, 200);
    // a watch whose events cannot be converted ends with the error as an ERROR event
    const text = await (await fetch(`${tc.api.url}${v1Path}?watch=true`, { headers })).text();
    const [ev, ...rest] = text.trim().split('\n').map((l) => JSON.parse(l) as Body);
    assert.equal(rest.length, 0, text);
    assert.deepEqual([ev.type, ev.object.kind, ev.object.code, ev.object.reason], ['ERROR', 'Status', 500, 'InternalError']);
    assert.match(ev.object.message, /^Internal error occurred: conversion webhook for stable.example.com\/v2, Kind=Host failed: Post /);
    hook = await startConversionWebhook();
  });
});
