// End-to-end: a pod with spec.readinessGates (as a load balancer controller uses them) is Ready only
// once every gate's condition, set by another client through the status subresource, is True. The
// node agent keeps those conditions when it writes the pod's status, and `kubectl get -o wide` shows
// the READINESS GATES column.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, parseTable, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ready = async () => (await k(['get', 'pod', 'gated', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}'])).stdout;
const setGate = (type: string, status: string) => k(['patch', 'pod', 'gated', '--subresource=status', '--type=strategic', '-p',
  JSON.stringify({ status: { conditions: [{ type, status, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } })]);

describeNeeding('readiness gates with kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 1 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Ready waits for each gate\'s condition; the agent keeps them; -o wide shows READINESS GATES', async () => {
    const r = await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  readinessGates:
  - conditionType: example.com/lb-ready
  - conditionType: example.com/dns-ready
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
`);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await ready()) === 'False ReadinessGatesNotReady', 'Ready False for its gates, containers running');
    const msg = (await k(['get', 'pod', 'gated', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}'])).stdout;
    assert.equal(msg, 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist., corresponding condition of pod readiness gate "example.com/dns-ready" does not exist.');
    const wide = () => k(['get', 'pod', 'gated', '-o', 'wide']).then((x) => parseTable(x.stdout).rows[0]);
    assert.equal((await wide())['READINESS GATES'], '0/2');
    assert.equal((await wide()).READY, '1/1', 'the container itself is ready');

    assert.equal((await setGate('example.com/lb-ready', 'True')).code, 0);
    await waitFor(async () => (await k(['get', 'pod', 'gated', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}'])).stdout
      === 'corresponding condition of pod readiness gate "example.com/dns-ready" does not exist.', 'one gate left');
    assert.equal((await wide())['READINESS GATES'], '1/2');

    assert.equal((await setGate('example.com/dns-ready', 'True')).code, 0);
    await waitFor(async () => (await ready()) === 'True ', 'Ready once both gates are True');
    assert.equal((await wide())['READINESS GATES'], '2/2');
    // both gate conditions are still there after the agent's own status writes
    const types = (await k(['get', 'pod', 'gated', '-o', 'jsonpath={.status.conditions[*].type}'])).stdout.split(' ');
    assert.ok(types.includes('example.com/lb-ready') && types.includes('example.com/dns-ready'), types.join(' '));

    assert.equal((await setGate('example.com/lb-ready', 'False')).code, 0);
    await waitFor(async () => (await ready()) === 'False ReadinessGatesNotReady', 'not Ready again when a gate turns False');
    const again = (await k(['get', 'pod', 'gated', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}'])).stdout;
    assert.equal(again, 'the status of pod readiness gate "example.com/lb-ready" is not "True", but False');
  });
});
