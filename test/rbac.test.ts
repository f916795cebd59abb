// End-to-end: RBAC and service account tokens with the real kubectl against `tskube up` — roles and
// bindings decide what a service account's token may do (refusals with Kubernetes' message), the
// bootstrap policy is there, and a pod's mounted token authenticates as its service account.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, parseTable, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
/** as runs kubectl with a bearer token instead of the admin's credentials. */
const as = (token: string, args: string[]) => kubectl(c, ['--token', token, ...args]);

describeNeeding('RBAC and service account tokens', { timeout: 8 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 1 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('the bootstrap cluster roles and bindings are there; admin, edit and view are aggregated', async () => {
    const roles = parseTable((await k(['get', 'clusterroles'])).stdout);
    assert.deepEqual(roles.header, ['NAME', 'CREATED AT']);
    const names = roles.rows.map((r) => r.NAME);
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node-proxier']) {
      assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
    }
    // (empty cells: the columns are read by position, not by parseTable)
    const bindings = (await k(['get', 'clusterrolebindings', '-o', 'wide'])).stdout;
    assert.match(bindings.split('\n')[0], /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/);
    assert.match(bindings, /^cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters\s*$/m);
    assert.match(bindings, /^system:public-info-viewer\s+ClusterRole\/system:public-info-viewer\s+\S+\s+system:authenticated, system:unauthenticated\s*$/m);
    // the clusterrole-aggregation controller fills view from system:aggregate-to-view
    await waitFor(async () => /pods\/log/.test((await k(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}'])).stdout), 'view aggregated');
  });

  it('a service account token is refused until a RoleBinding allows, with Kubernetes\' messages', async () => {
    assert.equal((await k(['create', 'namespace', 'team'])).code, 0);
    assert.equal((await k(['create', 'serviceaccount', 'robot', '-n', 'team'])).stdout, 'serviceaccount/robot created\n');
    const token = (await k(['create', 'token', 'robot', '-n', 'team'])).stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    let r = await as(token, ['get', 'pods', '-n', 'team']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "team"\n');
    r = await as(token, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(r.stdout, 'system:serviceaccount:team:robot');

    assert.equal((await k(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'team'])).stdout, 'role.rbac.authorization.k8s.io/pod-reader created\n');
    assert.equal((await k(['create', 'rolebinding', 'robot-reads', '--role=pod-reader', '--serviceaccount=team:robot', '-n', 'team'])).stdout, 'rolebinding.rbac.authorization.k8s.io/robot-reads created\n');
    const rb = (await k(['get', 'rolebinding', 'robot-reads', '-n', 'team', '-o', 'wide', '--no-headers'])).stdout;
    assert.match(rb, /^robot-reads\s+Role\/pod-reader\s+\S+\s+team\/robot\n$/);

    r = await waitFor(async () => { const x = await as(token, ['get', 'pods', '-n', 'team']); return x.code === 0 && x; }, 'the binding allows listing pods');
    assert.equal(r.stderr, 'No resources found in team namespace.\n');
    r = await as(token, ['delete', 'pod', 'x', '-n', 'team']);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods "x" is forbidden: User "system:serviceaccount:team:robot" cannot delete resource "pods" in API group "" in the namespace "team"\n');
    r = await as(token, ['get', 'pods', '-n', 'default']);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "default"\n');
    r = await as(token, ['auth', 'can-i', 'list', 'pods', '-n', 'team']);
    assert.equal(r.stdout, 'yes\n');

    // roleRef is immutable
    r = await k(['patch', 'rolebinding', 'robot-reads', '-n', 'team', '--type=merge', '-p', '{"roleRef":{"name":"other"}}']);
    assert.equal(r.stderr, 'The RoleBinding "robot-reads" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef\n');

    // a token that is not one of ours is 401
    r = await as(`${token.slice(0, -6)}AAAAAA`, ['get', 'pods', '-n', 'team']);
    assert.equal(r.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });

  it('a pod\'s mounted token authenticates as its service account', async () => {
    await k(['apply', '-n', 'team', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  serviceAccountName: robot
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
`);
    await waitFor(async () => (await k(['get', 'pod', 'client', '-n', 'team', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'client Running');
    const volume = (await k(['get', 'pod', 'client', '-n', 'team', '-o', 'jsonpath={.spec.volumes[0].name}'])).stdout;
    assert.match(volume, /^kube-api-access-[a-z0-9]{5}$/);
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    const token = (await k(['exec', 'client', '-n', 'team', '--', 'cat', `${dir}/token`])).stdout;
    assert.equal((await k(['exec', 'client', '-n', 'team', '--', 'cat', `${dir}/namespace`])).stdout, 'team');
    assert.match((await k(['exec', 'client', '-n', 'team', '--', 'cat', `${dir}/ca.crt`])).stdout, /^-----BEGIN CERTIFICATE-----/);
    const r = await as(token, ['get', 'pods', '-n', 'team', '--no-headers']);
    assert.match(r.stdout, /^client\s+1\/1\s+Running/m, r.stderr);
    assert.equal((await as(token, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout, 'system:serviceaccount:team:robot');
    // the token is bound to the pod: once the pod is gone, it no longer authenticates
    await k(['delete', 'pod', 'client', '-n', 'team', '--grace-period=0', '--force']);
    await waitFor(async () => (await as(token, ['get', 'pods', '-n', 'team'])).stderr === 'error: You must be logged in to the server (Unauthorized)\n', 'the token dies with its pod');
  });

  it('automountServiceAccountToken: false leaves the pod without the volume', async () => {
    await k(['apply', '-n', 'team', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: quiet}
spec:
  automountServiceAccountToken: false
  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
`);
    assert.equal((await k(['get', 'pod', 'quiet', '-n', 'team', '-o', 'jsonpath={.spec.volumes}'])).stdout, '');
  });
  it('a kubernetes.io/service-account-token Secret gets a long-lived token that authenticates until the Secret goes', async () => {
    await k(['apply', '-n', 'team', '-f', '-'], `apiVersion: v1
kind: Secret
metadata:
  name: robot-token
  annotations: {kubernetes.io/service-account.name: robot}
type: kubernetes.io/service-account-token
`);
    const token = await waitFor(async () => {
      const t = (await k(['get', 'secret', 'robot-token', '-n', 'team', '-o', 'jsonpath={.data.token}'])).stdout;
      return t && Buffer.from(t, 'base64').toString();
    }, 'the token controller fills the secret');
    assert.equal(Buffer.from((await k(['get', 'secret', 'robot-token', '-n', 'team', '-o', 'jsonpath={.data.namespace}'])).stdout, 'base64').toString(), 'team');
    const d = (await k(['describe', 'secret', 'robot-token', '-n', 'team'])).stdout;
    assert.match(d, /^Type:\s+kubernetes\.io\/service-account-token$/m);
    assert.match(d, /kubernetes\.io\/service-account\.uid: [0-9a-f-]{36}/);
    assert.equal((await as(token, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout, 'system:serviceaccount:team:robot');
    await k(['delete', 'secret', 'robot-token', '-n', 'team']);
    assert.equal((await as(token, ['get', 'pods', '-n', 'team'])).stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  });
});
