// End-to-end: access reviews with the real kubectl — `kubectl auth can-i` and `kubectl auth whoami`
// answer from the authorizer in force: the admin may do everything, a node only node work.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
let nodeToken = '';
const k = (args: string[], input?: string) => kubectl(c, args, { input });
/** asNode runs kubectl with host01's credentials (the agent's `system:node:host01:<node token>`). */
const asNode = (args: string[]) => kubectl(c, ['--token', `system:node:host01:${nodeToken}`, ...args]);

describeNeeding('kubectl auth can-i and whoami', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    nodeToken = readFileSync(join(c.dataDir, 'node-token'), 'utf8').trim();
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('the admin can create pods, anything anywhere', async () => {
    const r = await k(['auth', 'can-i', 'create', 'pods']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'yes\n', '']);
    assert.equal((await k(['auth', 'can-i', '*', '*', '--all-namespaces'])).stdout, 'yes\n');
    assert.equal((await k(['auth', 'can-i', 'get', '/logs/'])).stdout, 'yes\n');
    assert.equal((await k(['auth', 'can-i', 'delete', 'deployments.apps', '-n', 'kube-system'])).stdout, 'yes\n');
  });

  it('a node cannot get secrets, nor create pods, but may read its own Node', async () => {
    await waitFor(async () => (await k(['get', 'node', 'host01'])).code === 0, 'host01 registered');
    const secrets = await asNode(['auth', 'can-i', 'get', 'secrets']);
    assert.deepEqual([secrets.code, secrets.stdout], [1, 'no - No Object name found\n']);
    const del = await asNode(['auth', 'can-i', 'delete', 'deployments.apps']);
    assert.deepEqual([del.code, del.stdout], [1, 'no\n']);
    const own = await asNode(['auth', 'can-i', 'get', 'nodes/host01']);
    assert.deepEqual([own.code, own.stdout], [0, 'yes\n']);
    const other = await asNode(['auth', 'can-i', 'get', 'nodes/host02']);
    assert.deepEqual([other.code, other.stdout], [1, "no - node 'host01' cannot read 'host02', only its own Node object\n"]);
    assert.equal((await asNode(['auth', 'can-i', 'create', 'events'])).stdout, 'yes\n');
    // the quiet flag answers with the exit code alone
    const q = await asNode(['auth', 'can-i', 'list', 'secrets', '-q']);
    assert.deepEqual([q.code, q.stdout], [1, '']);
  });

  it('--as impersonates: the admin may act as another user; a node may not', async () => {
    const jane = await k(['auth', 'can-i', 'list', 'pods', '--as=jane']);
    assert.deepEqual([jane.code, jane.stdout], [1, 'no\n']);
    const node = await k(['auth', 'can-i', 'get', 'secrets', '--as=system:node:host01', '--as-group=system:nodes']);
    assert.deepEqual([node.code, node.stdout], [1, 'no - No Object name found\n']);
    const who = await k(['auth', 'whoami', '--as=jane', '--as-group=devs']);
    assert.deepEqual(who.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/)), [
      ['ATTRIBUTE', 'VALUE'], ['Username', 'jane'], ['Groups', '[devs system:authenticated]'],
    ]);
    const refused = await asNode(['auth', 'can-i', 'list', 'pods', '--as=jane']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'Error from server (Forbidden): users "jane" is forbidden: User "system:node:host01" cannot impersonate resource "users" in API group "" at the cluster scope\n');
  });

  it('RBAC is in force: a RoleBinding lets a user read pods in its namespace only, and --list shows it', async () => {
    const r = await k(['apply', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: jane-reads, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}
`);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await k(['auth', 'can-i', 'list', 'pods', '--as=jane'])).stdout === 'yes\n', 'jane may list pods (the RBAC cache caught up)');
    assert.equal((await k(['auth', 'can-i', 'list', 'pods', '--as=jane', '-n', 'kube-system'])).stdout, 'no\n');
    assert.equal((await k(['auth', 'can-i', 'delete', 'pods', '--as=jane'])).stdout, 'no\n');
    const list = await k(['auth', 'can-i', '--list', '--as=jane']);
    assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    assert.doesNotMatch(list.stdout, /^\*\.\*/m);
  });

  it('an unknown resource type is warned about, as kubectl does', async () => {
    const r = await k(['auth', 'can-i', 'get', 'widgets']);
    assert.equal(r.stdout, 'yes\n');
    assert.match(r.stderr, /Warning: the server doesn't have a resource type 'widgets'/);
  });

  it('--list prints the rules table: cluster-admin for the admin, an incomplete list for a node', async () => {
    const r = await k(['auth', 'can-i', '--list']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(lines[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    assert.deepEqual(lines[1], ['*.*', '[]', '[]', '[*]']);
    assert.deepEqual(lines[2], ['[*]', '[]', '[*]']);
    assert.ok(lines.some((l) => l.join(' ') === 'selfsubjectaccessreviews.authorization.k8s.io [] [] [create]'), r.stdout);
    assert.ok(lines.some((l) => l.join(' ') === '[/api/*] [] [get]'), r.stdout);

    const n = await asNode(['auth', 'can-i', '--list']);
    assert.equal(n.code, 0, n.stderr);
    assert.match(n.stderr, /Warning: the list may be incomplete: node authorizer does not support user rule resolution/);
    assert.doesNotMatch(n.stdout, /^\*\.\*/m);
    assert.match(n.stdout, /^selfsubjectrulesreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
  });

  it('whoami prints the ATTRIBUTE/VALUE table', async () => {
    const r = await k(['auth', 'whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/)), [
      ['ATTRIBUTE', 'VALUE'],
      ['Username', 'kubernetes-admin'],
      ['Groups', '[system:masters system:authenticated]'],
    ]);
    const n = await asNode(['auth', 'whoami', '-o', 'json']);
    const review = JSON.parse(n.stdout);
    assert.deepEqual([review.apiVersion, review.kind, review.status.userInfo], ['authentication.k8s.io/v1', 'SelfSubjectReview',
      { username: 'system:node:host01', groups: ['system:nodes', 'system:authenticated'] }]);
  });

  it('reviews are served in discovery and can only be created', async () => {
    const r = await k(['api-resources', '--api-group', 'authorization.k8s.io', '--no-headers']);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows.map((x) => [x[0], x[2]]), [
      ['localsubjectaccessreviews', 'true'], ['selfsubjectaccessreviews', 'false'], ['selfsubjectrulesreviews', 'false'], ['subjectaccessreviews', 'false'],
    ]);
    const sar = await k(['create', '-o', 'json', '-f', '-'], JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: 'system:node:host01', groups: ['system:nodes'], resourceAttributes: { verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'spec.nodeName=host01' } } },
    }));
    assert.equal(sar.code, 0, sar.stderr);
    assert.deepEqual(JSON.parse(sar.stdout).status, { allowed: true });
    // OpenAPI describes them: kubectl explain reads their schema.
    const explain = await k(['explain', 'selfsubjectaccessreviews.spec.resourceAttributes']);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /^GROUP:\s+authorization\.k8s\.io\nKIND:\s+SelfSubjectAccessReview\nVERSION:\s+v1/);
    assert.match(explain.stdout, /^\s+subresource\t<string>$/m);
    const get = await k(['get', 'selfsubjectaccessreviews']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /the server does not allow this method on the requested resource|list is not supported/);
  });
});
