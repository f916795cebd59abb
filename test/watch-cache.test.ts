// End-to-end with the real kubectl: what the API server's watch cache and /metrics answer —
// `kubectl get --watch` (list then watch from its resourceVersion, as -v=8 shows), lists at
// resourceVersion 0, streaming lists with the initial-events-end bookmark, Kubernetes' 422 for
// refused list options, and `kubectl get --raw /metrics`.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlStream, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

describeNeeding('watch cache and /metrics through kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 0 });
    await k(['create', 'configmap', 'first', '--from-literal=a=1']);
  });
  after(async () => { await c?.stop(); });

  it('kubectl get --watch lists, then watches from the list\'s resourceVersion and sees a new object', async () => {
    const w = kubectlStream(c, ['get', 'configmaps', '--watch', '-v=8']);
    try {
      await waitFor(async () => /resourceVersion=\d+&watch=true/.test(w.stderr()), 'the watch request');
      await k(['create', 'configmap', 'second', '--from-literal=b=2']);
      await waitFor(async () => /^second\s+1\s/m.test(w.stdout()), 'second on the watch');
      assert.match(w.stderr(), /GET https:\/\/[^ ]+\/api\/v1\/namespaces\/default\/configmaps\?limit=500/);
      assert.match(w.stdout(), /^first\s+1\s/m);
    } finally {
      await w.kill();
    }
  });

  it('lists at resourceVersion 0 ignore limit; a streaming list ends its initial events with the annotated bookmark', async () => {
    const list = JSON.parse((await k(['get', '--raw', '/api/v1/namespaces/default/configmaps?resourceVersion=0&limit=1'])).stdout);
    assert.deepEqual(list.items.map((o: { metadata: { name: string } }) => o.metadata.name).filter((n: string) => n !== 'kube-root-ca.crt'), ['first', 'second']);
    assert.equal(list.metadata.continue, undefined);
    const r = await k(['get', '--raw', '/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1']);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } });
    const end = events.findIndex((e) => e.type === 'BOOKMARK');
    assert.ok(end >= 2, r.stdout);
    assert.ok(events.slice(0, end).every((e) => e.type === 'ADDED'));
    assert.deepEqual(events[end].object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  });

  it('refused list options are Kubernetes\' 422', async () => {
    const r = await k(['get', '--raw', '/api/v1/configmaps?resourceVersionMatch=NotOlderThan']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The ListOptions "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided/);
  });

  it('kubectl get --raw /metrics: request counts by verb and resource, stored objects', async () => {
    const r = await k(['get', '--raw', '/metrics']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# TYPE apiserver_request_total counter$/m);
    assert.match(r.stdout, /^apiserver_request_total\{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"\} \d+$/m);
    assert.match(r.stdout, /^apiserver_request_duration_seconds_bucket\{[^}]*verb="LIST"[^}]*le="\+Inf"\} \d+$/m);
    assert.match(r.stdout, /^apiserver_storage_objects\{resource="configmaps"\} [1-9]\d*$/m);
  });
});
