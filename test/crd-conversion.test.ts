// End-to-end: a CustomResourceDefinition with a conversion webhook (strategy Webhook) on `tskube up`,
// driven by the real kubectl. The webhook is an HTTPS server in this test process converting as
// agnhost's crd-conversion-webhook does (v1 "hostPort" is v2 "host" and "port"): objects written in
// one version are read in the other, the storage version changes with objects left in the old one,
// and with the webhook gone kubectl shows the API server's error.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';
import { startConversionWebhook, type ConversionWebhookServer } from '../src/apiserver/conversion/testing.js';

let c: Cluster;
let hook: ConversionWebhookServer;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

const crdYAML = (url: string, caBundle: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: hosts.stable.example.com}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: hosts, singular: host, kind: Host}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {hostPort: {type: string}}}}
  - name: v2
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {host: {type: string}, port: {type: string}}}}
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1, v1beta1]
      clientConfig: {url: "${url}", caBundle: "${caBundle}"}
`;

const V1 = 'hosts.v1.stable.example.com';
const V2 = 'hosts.v2.stable.example.com';
const fields = '{range .items[*]}{.apiVersion} {.metadata.name} {.hostPort}{.host}/{.port}{"\\n"}{end}';

describeNeeding('CRD conversion webhooks with kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 0 });
    hook = await startConversionWebhook();
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await hook?.close();
    await c?.stop();
  }, { timeout: 60_000 });

  it('converts between v1 and v2 on read and write, across a storage version change, and fails as Kubernetes does without its webhook', async () => {
    let r = await k(['apply', '-f', '-'], crdYAML(hook.url, hook.caBundle));
    assert.equal(r.stdout, 'customresourcedefinition.apiextensions.k8s.io/hosts.stable.example.com created\n', r.stderr);
    r = await k(['wait', '--for=condition=established', '--timeout=60s', 'crd/hosts.stable.example.com']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await k(['get', V2])).code === 0, 'hosts served');

    // written in v1 (the storage version), read in v2 through the webhook
    r = await k(['apply', '-f', '-'], 'apiVersion: stable.example.com/v1\nkind: Host\nmetadata: {name: one}\nhostPort: "localhost:8080"\n');
    assert.equal(r.stdout, 'host.stable.example.com/one created\n', r.stderr);
    r = await k(['get', V2, 'one', '-o', 'json']);
    const one = JSON.parse(r.stdout);
    assert.equal(one.apiVersion, 'stable.example.com/v2');
    assert.deepEqual([one.host, one.port, one.hostPort], ['localhost', '8080', undefined]);
    assert.ok(hook.requests.some((q) => q.desiredAPIVersion === 'stable.example.com/v2'), 'the webhook was asked');

    // v2 becomes the storage version: "one" stays stored in v1, "two" (sent in v1) is stored in v2
    r = await k(['patch', 'crd', 'hosts.stable.example.com', '--type=json', '-p',
      '[{"op":"replace","path":"/spec/versions/0/storage","value":false},{"op":"replace","path":"/spec/versions/1/storage","value":true}]']);
    assert.equal(r.stdout, 'customresourcedefinition.apiextensions.k8s.io/hosts.stable.example.com patched\n', r.stderr);
    await waitFor(async () => (await k(['create', '-f', '-'], 'apiVersion: stable.example.com/v1\nkind: Host\nmetadata: {name: two}\nhostPort: "example.com:443"\n')).code === 0, 'creating two');
    r = await k(['get', 'crd', 'hosts.stable.example.com', '-o', 'jsonpath={.status.storedVersions}']);
    assert.equal(r.stdout, '["v1","v2"]');

    // one list, objects stored in two versions, each converted to the version asked for
    r = await k(['get', V1, '-o', `jsonpath=${fields}`]);
    assert.equal(r.stdout, 'stable.example.com/v1 one localhost:8080/\nstable.example.com/v1 two example.com:443/\n', r.stderr);
    r = await k(['get', V2, '-o', `jsonpath=${fields}`]);
    assert.equal(r.stdout, 'stable.example.com/v2 one localhost/8080\nstable.example.com/v2 two example.com/443\n', r.stderr);

    // a patch in v2 of the object stored in v1, read back in v1
    r = await k(['patch', V2, 'one', '--type=merge', '-p', '{"port":"9090"}']);
    assert.equal(r.stdout, 'host.stable.example.com/one patched\n', r.stderr);
    r = await k(['get', V1, 'one', '-o', 'jsonpath={.hostPort}']);
    assert.equal(r.stdout, 'localhost:9090');

    // the webhook gone: what needs converting fails with the API server's error, the rest is served
    await hook.close();
    r = await k(['get', V1]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error from server (InternalError): Internal error occurred: conversion webhook for stable.example.com/v2, Kind=Host failed: Post "${hook.url}?timeout=30s": dial tcp 127.0.0.1:${hook.port}: connect: connection refused\n`);
    r = await k(['get', V2, '-o', 'name']);
    assert.equal(r.stdout, 'host.stable.example.com/one\nhost.stable.example.com/two\n', r.stderr);
  });
});
