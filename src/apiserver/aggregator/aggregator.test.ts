import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { newCA } from '../../api/certificates/pki.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { startWardleServer, wardleManifests, WARDLE_GROUP, WARDLE_VERSION, type WardleServer } from './testing.js';

const NS = 'default';
const SVC = 'sample-api';
const NAME = `${WARDLE_VERSION}.${WARDLE_GROUP}`;

describe('Aggregator in the API server (an extension server on 127.0.0.1)', () => {
  let tc: TestCluster;
  let wardle: WardleServer;
  const call = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${tc.api.url}${path}`, { ...init, headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
    return { status: r.status, text: await r.text(), type: r.headers.get('content-type') ?? '' };
  };
  const available = async () => {
    const svc = await tc.api.storeFor('apiregistration.k8s.io', 'v1', 'apiservices').get(undefined, NAME);
    return ((svc.status as { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Available');
  };

  before(async () => {
    tc = await startTestCluster();
    await tc.start();
    wardle = await startWardleServer({ namespace: NS, service: SVC });
  });
  after(async () => { await wardle?.close(); await tc?.close(); });

  it('an APIService without its Service is ServiceNotFound, and requests get 503', async () => {
    const [, , apiService] = wardleManifests({ namespace: NS, service: SVC, port: wardle.port, caBundle: wardle.caBundle });
    await tc.api.storeFor('apiregistration.k8s.io', 'v1', 'apiservices').create(undefined, apiService as never);
    const c = await eventually(async () => { const a = await available(); assert.equal(a?.reason, 'ServiceNotFound'); return a!; });
    assert.deepEqual([c.status, c.message], ['False', `service/${SVC} in "${NS}" is not present`]);
    const r = await call(`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`);
    assert.deepEqual([r.status, r.text], [503, 'service unavailable\n']);
  });

  it('with a Service and Endpoints it passes the discovery check and proxies with the user\'s identity', async () => {
    const [service, endpoints] = wardleManifests({ namespace: NS, service: SVC, port: wardle.port, caBundle: wardle.caBundle });
    await tc.api.storeFor('', 'v1', 'services').create(NS, service as never);
    await tc.api.storeFor('', 'v1', 'endpoints').create(NS, endpoints as never);
    const c = await eventually(async () => { const a = await available(); assert.equal(a?.status, 'True'); return a!; });
    assert.deepEqual([c.reason, c.message], ['Passed', 'all checks passed']);
    const check = wardle.requests.find((q) => q.path === `/apis/${WARDLE_GROUP}/${WARDLE_VERSION}`)!;
    assert.deepEqual([check.user, check.groups], ['system:kube-aggregator', ['system:masters']]);

    const created = await call(`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`, {
      method: 'POST', body: JSON.stringify({ apiVersion: `${WARDLE_GROUP}/${WARDLE_VERSION}`, kind: 'Flunder', metadata: { name: 'one' } }),
    });
    assert.equal(created.status, 201, created.text);
    const post = wardle.requests.find((q) => q.method === 'POST')!;
    assert.equal(post.user, 'kubernetes-admin');
    assert.ok(post.groups.includes('system:masters'), `groups ${post.groups.join(',')}`);
    assert.equal(post.authorization, undefined, 'the bearer token is not passed on');
    // The front proxy's client certificate, signed by the CA published for extension servers.
    const cm = await eventually(() => tc.api.storeFor('', 'v1', 'configmaps').get('kube-system', 'extension-apiserver-authentication'));
    const data = cm.data as Record<string, string>;
    assert.deepEqual([data['requestheader-username-headers'], data['requestheader-group-headers'], data['requestheader-extra-headers-prefix'], data['requestheader-allowed-names']],
      ['["X-Remote-User"]', '["X-Remote-Group"]', '["X-Remote-Extra-"]', '["front-proxy-client"]']);
    const client = new X509Certificate(post.clientCert!);
    assert.equal(client.subject, 'CN=front-proxy-client');
    assert.ok(client.verify(new X509Certificate(data['requestheader-client-ca-file']).publicKey), 'signed by the published CA');
    const list = JSON.parse((await call(`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`)).text) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['one']);
  });

  it('another user reaches the extension server as itself: name, groups and extras; what it may not do stops here', async () => {
    const rbac = (p: string) => tc.api.storeFor('rbac.authorization.k8s.io', 'v1', p);
    await rbac('clusterroles').create(undefined, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'flunder-reader' }, rules: [{ apiGroups: [WARDLE_GROUP], resources: ['flunders'], verbs: ['list'] }] } as never);
    await rbac('clusterrolebindings').create(undefined, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'reader-reads-flunders' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flunder-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }],
    } as never);
    await tc.api.storeFor('', 'v1', 'serviceaccounts').create(NS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: NS } } as never);
    // A bound token's user carries extras (its credential id).
    const tr = await call(`/api/v1/namespaces/${NS}/serviceaccounts/reader/token`, { method: 'POST', body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [] } }) });
    assert.equal(tr.status, 201, tr.text);
    const token = (JSON.parse(tr.text) as { status: { token: string } }).status.token;
    const path = `/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`;
    const as = { Authorization: `Bearer ${token}` };
    await eventually(async () => assert.equal((await call(path, { headers: as })).status, 200));
    const seen = wardle.requests.filter((q) => q.path === path).at(-1)!;
    assert.equal(seen.user, `system:serviceaccount:${NS}:reader`);
    assert.deepEqual(seen.groups, ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated']);
    assert.match(seen.extra['authentication.kubernetes.io%2fcredential-id'] ?? '', /^JTI=/);
    // Another verb is authorized here first: the extension server never sees it.
    const before = wardle.requests.length;
    assert.equal((await call(`${path}/x`, { headers: as })).status, 403);
    assert.equal(wardle.requests.length, before);
  });

  it('a watch streams through the proxy', async () => {
    const ac = new AbortController();
    const r = await fetch(`${tc.api.url}/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders?watch=true`, { headers: { Authorization: 'Bearer t0k' }, signal: ac.signal });
    const reader = r.body!.getReader();
    let seen = '';
    const first = await reader.read();
    seen += Buffer.from(first.value!).toString('utf8');
    await call(`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`, { method: 'POST', body: JSON.stringify({ metadata: { name: 'two' } }) });
    while (!seen.includes('"two"')) seen += Buffer.from((await reader.read()).value!).toString('utf8');
    ac.abort();
    assert.match(seen, /"type":"ADDED".*"one"/);
    assert.match(seen, /"type":"ADDED".*"two"/);
  });

  it('an upgrade request becomes a pipe to the extension server', async () => {
    const path = `/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders/one/echo`;
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const r = http.request(`${tc.api.url}${path}`, { headers: { Authorization: 'Bearer t0k', Connection: 'Upgrade', Upgrade: 'echo' } });
      r.on('upgrade', (_res, s) => resolve(s));
      r.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      r.on('error', reject);
      r.end();
    });
    const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('utf8'))));
    socket.write('ping');
    assert.equal(await echoed, 'ping');
    socket.destroy();
    const seen = wardle.requests.find((q) => q.method === 'GET upgrade')!;
    assert.deepEqual([seen.path, seen.user, seen.authorization], [path, 'kubernetes-admin', undefined]);
  });

  it('discovery lists the group, its resources from the check, in priority order', async () => {
    const apis = JSON.parse((await call('/apis')).text) as { groups: { name: string; preferredVersion: { version: string } }[] };
    const g = apis.groups.find((x) => x.name === WARDLE_GROUP);
    assert.equal(g?.preferredVersion.version, WARDLE_VERSION);
    // groupPriorityMinimum 2000 sorts after the built-in groups (16100 and up) and before 1000 ones.
    const names = apis.groups.map((x) => x.name);
    assert.ok(names.indexOf(WARDLE_GROUP) > names.indexOf('flowcontrol.apiserver.k8s.io'));
    const agg = await eventually(async () => {
      const doc = JSON.parse((await call('/apis', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).text) as { items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string; shortNames?: string[]; subresources?: { subresource: string }[] }[] }[] }[] };
      const item = doc.items.find((i) => i.metadata.name === WARDLE_GROUP)!;
      assert.equal(item.versions[0].freshness, 'Current');
      return item;
    });
    const fl = agg.versions[0].resources[0];
    assert.deepEqual([fl.resource, fl.shortNames, fl.subresources?.map((s) => s.subresource)], ['flunders', ['fl'], ['status']]);
    const group = JSON.parse((await call(`/apis/${WARDLE_GROUP}`)).text) as { kind: string; versions: { version: string }[] };
    assert.deepEqual([group.kind, group.versions.map((v) => v.version)], ['APIGroup', [WARDLE_VERSION]]);
    const rl = JSON.parse((await call(`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}`)).text) as { kind: string };
    assert.equal(rl.kind, 'APIResourceList');
  });

  it('the extension server\'s OpenAPI v3 joins the index and its document is proxied', async () => {
    const key = `apis/${WARDLE_GROUP}/${WARDLE_VERSION}`;
    const index = await eventually(async () => {
      const i = JSON.parse((await call('/openapi/v3')).text) as { paths: Record<string, { serverRelativeURL: string }> };
      assert.ok(i.paths[key], 'the group version is in the index');
      return i;
    });
    assert.equal(index.paths[key].serverRelativeURL, `/openapi/v3/${key}?hash=0A1B2C`);
    assert.ok(index.paths['apis/apps/v1'], 'the built-in entries stay');
    const doc = JSON.parse((await call(index.paths[key].serverRelativeURL)).text) as { components: { schemas: Record<string, unknown> } };
    assert.ok(doc.components.schemas['com.example.wardle.v1alpha1.Flunder']);
  });

  it('a Local APIService is served locally', async () => {
    const r = await call('/apis/apps/v1/namespaces/default/deployments');
    assert.equal(r.status, 200);
    assert.ok(!wardle.requests.some((q) => q.path.startsWith('/apis/apps')));
  });

  it('the serving certificate is checked against spec.caBundle unless insecureSkipTLSVerify', async () => {
    const store = tc.api.storeFor('apiregistration.k8s.io', 'v1', 'apiservices');
    const other = Buffer.from(newCA('other-ca').cert).toString('base64');
    const setSpec = async (spec: Record<string, unknown>) => {
      const cur = await store.get(undefined, NAME);
      const next = { ...(cur.spec as Record<string, unknown>), ...spec };
      for (const [k, v] of Object.entries(spec)) if (v === undefined) delete next[k];
      await store.update(undefined, NAME, { ...cur, spec: next });
    };
    const path = `/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`;
    await setSpec({ caBundle: other });
    // The availability check trusts nothing it reads and does not verify: the APIService stays Available.
    const r = await eventually(async () => { const x = await call(path); assert.equal(x.status, 503); return x; });
    assert.equal(r.text, 'tls: failed to verify certificate: x509: certificate signed by unknown authority\n');
    await setSpec({ caBundle: undefined, insecureSkipTLSVerify: true });
    await eventually(async () => assert.equal((await call(path)).status, 200));
    await setSpec({ caBundle: wardle.caBundle, insecureSkipTLSVerify: undefined });
  });

  it('endpoints without the port\'s name are MissingEndpoints; a deleted APIService is no longer routed', async () => {
    const eps = tc.api.storeFor('', 'v1', 'endpoints');
    const cur = await eps.get(NS, SVC);
    await eps.update(NS, SVC, { ...cur, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'other', port: wardle.port }] }] });
    const c = await eventually(async () => { const a = await available(); assert.equal(a?.reason, 'MissingEndpoints'); return a!; });
    assert.equal(c.message, `endpoints for service/${SVC} in "${NS}" have no addresses with port name "https"`);
    await tc.api.storeFor('apiregistration.k8s.io', 'v1', 'apiservices').delete(undefined, NAME);
    await eventually(async () => {
      const r = await call(`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/${NS}/flunders`);
      assert.equal(r.status, 404);
    });
    const apis = JSON.parse((await call('/apis')).text) as { groups: { name: string }[] };
    assert.ok(!apis.groups.some((g) => g.name === WARDLE_GROUP));
  });
});
