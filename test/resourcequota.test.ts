// End-to-end: LimitRange defaults and limits, ResourceQuota admission and the quota controller, driven by the real kubectl.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, parseTable, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, ['-n', 'quota-e2e', ...args], { input });

const LIMITS = `apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 200m, memory: 128Mi}
    min: {cpu: 100m}
    max: {cpu: "1", memory: 1Gi}
  - type: PersistentVolumeClaim
    min: {storage: 1Gi}
    max: {storage: 10Gi}
`;
const QUOTA = `apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec:
  hard: {requests.cpu: "1", requests.memory: 1Gi, limits.cpu: "2", pods: "4", configmaps: "10"}
`;

describeNeeding('quotas and limit ranges with the real kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 0 });
    await kubectl(c, ['create', 'namespace', 'quota-e2e']);
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('a LimitRange fills in a pod\'s requests and limits; kubectl describe limits shows it', async () => {
    assert.equal((await k(['apply', '-f', '-'], LIMITS)).code, 0);
    const d = await k(['describe', 'limits', 'limits']);
    assert.match(d.stdout, /^Type\s+Resource\s+Min\s+Max\s+Default Request\s+Default Limit\s+Max Limit\/Request Ratio$/m);
    assert.match(d.stdout, /^Container\s+cpu\s+100m\s+1\s+200m\s+500m\s+-$/m);
    assert.match(d.stdout, /^PersistentVolumeClaim\s+storage\s+1Gi\s+10Gi\s+-\s+-\s+-$/m);
    assert.deepEqual(parseTable((await k(['get', 'limits'])).stdout).header, ['NAME', 'CREATED AT']);
    assert.equal((await k(['run', 'web', '--image=busybox', '--', 'sleep', '3600'])).code, 0);
    const res = JSON.parse((await k(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].resources}'])).stdout);
    assert.deepEqual(res, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '128Mi' } });
    const small = await k(['run', 'small', '--image=busybox', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'small', image: 'busybox', resources: { requests: { cpu: '50m' } } }] } })]);
    assert.notEqual(small.code, 0);
    assert.equal(small.stderr.trim(), 'Error from server (Forbidden): pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
  });

  it('the quota controller fills the status; kubectl describe quota and get quota show Used/Hard', async () => {
    assert.equal((await k(['apply', '-f', '-'], QUOTA)).code, 0);
    // The quota counts the pod that is already there once the controller has seen it.
    await waitFor(async () => /^pods\s+1\s+4$/m.test((await k(['describe', 'quota', 'compute'])).stdout), 'quota status counted');
    const d = (await k(['describe', 'quota', 'compute'])).stdout;
    assert.match(d, /^Resource\s+Used\s+Hard$/m);
    assert.match(d, /^requests\.cpu\s+200m\s+1$/m);
    assert.match(d, /^requests\.memory\s+128Mi\s+1Gi$/m);
    assert.match(d, /^limits\.cpu\s+500m\s+2$/m);
    assert.match(d, /^configmaps\s+\d+\s+10$/m);
    const t = parseTable((await k(['get', 'quota'])).stdout);
    assert.deepEqual(t.header, ['NAME', 'AGE', 'REQUEST', 'LIMIT']);
    assert.match(t.rows[0].REQUEST, /pods: 1\/4, requests\.cpu: 200m\/1, requests\.memory: 128Mi\/1Gi$/);
    assert.equal(t.rows[0].LIMIT, 'limits.cpu: 500m/2');
  });

  it('a pod over the quota is refused with Kubernetes\' message; deleting a pod frees the quota', async () => {
    for (const n of ['p2', 'p3', 'p4']) assert.equal((await k(['run', n, '--image=busybox', '--', 'sleep', '3600'])).code, 0);
    const over = await k(['run', 'p5', '--image=busybox', '--', 'sleep', '3600']);
    assert.notEqual(over.code, 0);
    assert.equal(over.stderr.trim(), 'Error from server (Forbidden): pods "p5" is forbidden: exceeded quota: compute, requested: limits.cpu=500m,pods=1, used: limits.cpu=2,pods=4, limited: limits.cpu=2,pods=4');
    assert.equal((await k(['delete', 'pod', 'p4', '--wait=true'])).code, 0);
    await waitFor(async () => /^pods\s+3\s+4$/m.test((await k(['describe', 'quota', 'compute'])).stdout), 'quota freed');
    assert.match((await k(['describe', 'quota', 'compute'])).stdout, /^limits\.cpu\s+1500m\s+2$/m);
    assert.equal((await k(['run', 'p5', '--image=busybox', '--', 'sleep', '3600'])).code, 0);
  });

  it('a pod that does not state what the quota constrains is refused', async () => {
    assert.equal((await k(['delete', 'limits', 'limits'])).code, 0);
    const r = await k(['run', 'bare', '--image=busybox']);
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: bare; requests.cpu for: bare; requests.memory for: bare');
  });
});
