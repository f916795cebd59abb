// End-to-end with the real kubectl: NetworkPolicy (the "Network Policies" concept page's example,
// its table, kubectl's own describe, defaulting, Kubernetes' validation messages) and the
// read-only ComponentStatus (`kubectl get cs` with its deprecation warning).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, parseTable, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

const TEST_NETWORK_POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
`;

describeNeeding('network policies and component statuses with kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('applies the docs example; get netpol prints NAME POD-SELECTOR AGE', async () => {
    const applied = await k(['apply', '-f', '-'], TEST_NETWORK_POLICY);
    assert.equal(applied.stdout.trim(), 'networkpolicy.networking.k8s.io/test-network-policy created', applied.stderr);
    await k(['create', 'namespace', 'np']);
    const allow = await k(['apply', '-n', 'np', '-f', '-'], 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all}\nspec:\n  podSelector: {}\n  egress: [{}]\n');
    assert.equal(allow.code, 0, allow.stderr);
    const t = parseTable((await k(['get', 'netpol', '-A'])).stdout);
    assert.deepEqual(t.header, ['NAMESPACE', 'NAME', 'POD-SELECTOR', 'AGE']);
    assert.deepEqual(t.rows.map((r) => [r.NAMESPACE, r.NAME, r['POD-SELECTOR']]), [['default', 'test-network-policy', 'role=db'], ['np', 'allow-all', '<none>']]);
    // SetDefaults_NetworkPolicy: egress rules make it an Egress policy too.
    const types = await k(['get', 'networkpolicy', 'allow-all', '-n', 'np', '-o', 'jsonpath={.spec.policyTypes}']);
    assert.equal(types.stdout, '["Ingress","Egress"]');
  });

  it('kubectl describe netpol renders the rules', async () => {
    const r = await k(['describe', 'netpol', 'test-network-policy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name:\s+test-network-policy$/m);
    assert.match(r.stdout, /^\s+PodSelector:\s+role=db$/m);
    assert.match(r.stdout, /^\s+Allowing ingress traffic:$/m);
    assert.match(r.stdout, /^\s+To Port: 6379\/TCP$/m);
    assert.match(r.stdout, /^\s+CIDR: 172\.17\.0\.0\/16$/m);
    assert.match(r.stdout, /^\s+Except: 172\.17\.1\.0\/24$/m);
    assert.match(r.stdout, /^\s+NamespaceSelector: project=myproject$/m);
    assert.match(r.stdout, /^\s+PodSelector: role=frontend$/m);
    assert.match(r.stdout, /^\s+Allowing egress traffic:$/m);
    assert.match(r.stdout, /^\s+To Port: 5978\/TCP$/m);
    assert.match(r.stdout, /^\s+Policy Types: Ingress, Egress$/m);
  });

  it('an invalid policy gets the 422 with Kubernetes\' messages', async () => {
    const bad = TEST_NETWORK_POLICY.replace('name: test-network-policy', 'name: bad').replace('- 172.17.1.0/24', '- 10.1.0.0/24').replace('port: 5978', 'port: 5978\n      endPort: 5000');
    const r = await k(['apply', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim(), 'The NetworkPolicy "bad" is invalid: \n'
      + '* spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`\n'
      + '* spec.egress[0].ports[0].endPort: Invalid value: 5000: must be greater than or equal to `port`');
  });

  it('kubectl get cs prints the components with the deprecation warning', async () => {
    const r = await k(['get', 'cs']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Warning: v1 ComponentStatus is deprecated in v1\.19\+$/m);
    const t = parseTable(r.stdout);
    assert.deepEqual(t.header, ['NAME', 'STATUS', 'MESSAGE', 'ERROR']);
    // tskube up runs the scheduler and the controllers in its process, over a healthy store.
    assert.deepEqual(t.rows.map((row) => [row.NAME, row.STATUS, row.MESSAGE]), [['scheduler', 'Healthy', 'ok'], ['controller-manager', 'Healthy', 'ok'], ['etcd-0', 'Healthy', 'ok']]);
    const etcd = await k(['get', 'componentstatus', 'etcd-0', '-o', 'jsonpath={.conditions}']);
    assert.equal(etcd.stdout, '[{"message":"ok","status":"True","type":"Healthy"}]');
  });
});
