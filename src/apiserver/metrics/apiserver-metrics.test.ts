import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../request-info.js';
import { REQUEST_DURATION_BUCKETS, requestLabels, resourceOfKey } from './apiserver-metrics.js';
import { startTestCluster } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';

const labels = (method: string, path: string, contentType?: string) => {
  const url = new URL(path, 'https://localhost');
  const l = requestLabels(method, url, parseRequestInfo(url.pathname), contentType);
  return `${l.verb} ${l.scope} ${l.group}/${l.version}/${l.resource}/${l.subresource}${l.dry_run ? ' dry' : ''}`;
};

test('requestLabels: verbs and scopes as kube-apiserver reports them', () => {
  assert.equal(labels('GET', '/api/v1/namespaces/default/pods'), 'LIST namespace /v1/pods/');
  assert.equal(labels('GET', '/api/v1/pods?watch=true'), 'WATCH cluster /v1/pods/');
  assert.equal(labels('GET', '/api/v1/namespaces/default/pods/a'), 'GET resource /v1/pods/');
  assert.equal(labels('POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All'), 'POST namespace apps/v1/deployments/ dry');
  assert.equal(labels('PUT', '/api/v1/namespaces/default/pods/a/status'), 'PUT resource /v1/pods/status');
  assert.equal(labels('PATCH', '/api/v1/nodes/n1', 'application/apply-patch+yaml'), 'APPLY resource /v1/nodes/');
  assert.equal(labels('POST', '/api/v1/namespaces/default/pods/a/exec'), 'CONNECT resource /v1/pods/exec');
  assert.equal(labels('GET', '/api/v1/namespaces/default/pods/a/log'), 'GET resource /v1/pods/log');
  assert.equal(labels('GET', '/healthz'), 'GET  ///');
});

test('resourceOfKey names core and grouped resources by their key prefix', () => {
  const of = resourceOfKey(new Map([['/registry/pods/', 'pods'], ['/registry/apps/deployments/', 'deployments.apps']]));
  assert.equal(of('/registry/pods/default/a'), 'pods');
  assert.equal(of('/registry/apps/deployments/default/web'), 'deployments.apps');
  assert.equal(of('/registry/apps/deployments/'), 'deployments.apps');
});

test('/metrics: request counts and latency by verb/resource/code, stored objects, storage latency', async () => {
  const tc = await startTestCluster();
  try {
    await tc.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm1' } });
    await tc.client.list(Resources.configmaps, 'default');
    await tc.client.get(Resources.configmaps, 'default', 'nope').catch(() => undefined);
    const r = await fetch(`${tc.api.url}/metrics`, { headers: { Authorization: 'Bearer t0k' } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const value = (re: RegExp) => Number(text.match(re)?.[1]);
    assert.ok(value(/^apiserver_request_total\{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"\} (\d+)$/m) >= 1, 'the create is counted');
    assert.ok(value(/^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"\} (\d+)$/m) >= 1, 'the list is counted');
    assert.ok(value(/^apiserver_request_total\{code="404",[^}]*resource="configmaps",scope="resource"[^}]*verb="GET"[^}]*\} (\d+)$/m) >= 1, 'the 404 is counted');
    assert.ok(value(/^apiserver_request_duration_seconds_count\{[^}]*resource="configmaps"[^}]*verb="POST"[^}]*\} (\d+)$/m) >= 1);
    assert.ok(value(/^apiserver_storage_objects\{resource="configmaps"\} (\d+)$/m) >= 1);
    assert.ok(value(/^apiserver_storage_objects\{resource="namespaces"\} (\d+)$/m) >= 4, 'bootstrap namespaces');
    assert.ok(value(/^etcd_request_duration_seconds_count\{operation="create",type="configmaps"\} (\d+)$/m) >= 1);
  } finally {
    await tc.close();
  }
});

test('/metrics: two API servers in one process keep their own series; buckets are Kubernetes\'', async () => {
  const a = await startTestCluster();
  const b = await startTestCluster();
  try {
    await a.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-in-a' } });
    const scrape = async (url: string) => (await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer t0k' } })).text();
    const [ta, tb] = [await scrape(a.api.url), await scrape(b.api.url)];
    const creates = /^apiserver_request_total\{code="201",[^}]*resource="configmaps"[^}]*verb="POST"[^}]*\} (\d+)$/m;
    assert.equal(Number(ta.match(creates)?.[1]), 1);
    assert.doesNotMatch(tb, creates, 'the other server saw no ConfigMap create');
    const les = [...ta.matchAll(/^apiserver_request_duration_seconds_bucket\{[^}]*resource="configmaps"[^}]*verb="POST",version="v1",le="([^"]+)"\} \d+$/gm)].map((m) => m[1]);
    assert.deepEqual(les, [...REQUEST_DURATION_BUCKETS.map(String), '+Inf']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('resourceOfKey names the resource of core and group keys, and a key of no known prefix by its first two segments', () => {
  const of = resourceOfKey(new Map([['/registry/pods/', 'pods'], ['/registry/apps/deployments/', 'deployments.apps']]));
  assert.equal(of('/registry/pods/default/web-1'), 'pods');
  assert.equal(of('/registry/pods'), 'pods');
  assert.equal(of('/registry/apps/deployments/default/web'), 'deployments.apps');
  assert.equal(of('/registry/apps/deployments'), 'deployments.apps');
  assert.equal(of('/registry/widgets/ns/w'), '/registry/widgets');
  assert.equal(of('a/b/c/d'), 'a/b/c');
  assert.equal(of('/registry'), '/registry');
});
