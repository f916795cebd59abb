// End-to-end: `tskube up --simulated-nodes 3` (the SimulatedNodes engine) as the real kubectl sees it.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, parseTable, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

describeNeeding('simulated nodes (tskube up --simulated-nodes)', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0, extraArgs: ['--simulated-nodes', '3'] }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('sim0001..sim0003 register Ready, with the simulated runtime, and get their pod ranges', async () => {
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 3, '3 Ready nodes');
    const t = parseTable((await k(['get', 'nodes', '-o', 'wide'])).stdout);
    assert.deepEqual(t.rows.map((r) => r.NAME), ['sim0001', 'sim0002', 'sim0003']);
    for (const r of t.rows) {
      assert.equal(r.STATUS, 'Ready');
      assert.equal(r.VERSION, 'v1.32.0');
      assert.equal(r['INTERNAL-IP'], '127.0.0.1');
      assert.equal(r['CONTAINER-RUNTIME'], 'tskube-simulated://0.1.0');
    }
    await waitFor(async () => (await k(['get', 'nodes', '-o', 'jsonpath={.items[*].spec.podCIDR}'])).stdout.trim().split(' ').filter(Boolean).length === 3, 'pod CIDRs');
  });

  it('a Deployment\'s pods run: Running 1/1 with an address of their node\'s range', async () => {
    await k(['create', 'deployment', 'web', '--image=nginx', '--replicas=6']);
    const cidrs = Object.fromEntries((await k(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{"\\n"}{end}'])).stdout.trim().split('\n').map((l) => l.split('=')));
    const rows = await waitFor(async () => {
      const t = parseTable((await k(['get', 'pods', '-l', 'app=web', '-o', 'wide'])).stdout);
      return t.rows.length === 6 && t.rows.every((r) => r.STATUS === 'Running' && r.READY === '1/1') ? t.rows : undefined;
    }, '6 Running pods');
    for (const r of rows) {
      const prefix = String(cidrs[r.NODE]).replace(/\.0\/24$/, '.');
      assert.ok(r.IP.startsWith(prefix), `${r.NAME} on ${r.NODE} has ${r.IP}, outside ${cidrs[r.NODE]}`);
    }
    await k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  });

  it('a Job whose pods exit 0 after a while (tskube.io/simulated-exit-after) completes', async () => {
    await k(['apply', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata: {name: work}
spec:
  completions: 2
  template:
    metadata:
      annotations: {tskube.io/simulated-exit-after: 300ms}
    spec:
      restartPolicy: Never
      containers:
      - {name: work, image: busybox}
`);
    const r = await k(['wait', '--for=condition=complete', 'job/work', '--timeout=90s']);
    assert.equal(r.code, 0, r.stderr);
    const pods = parseTable((await k(['get', 'pods', '-l', 'job-name=work'])).stdout).rows;
    assert.ok(pods.filter((p) => p.STATUS === 'Completed').length >= 2, JSON.stringify(pods));
  });

  it('deleting the Deployment removes its pods (graceful deletion finished by the engine)', async () => {
    await k(['delete', 'deployment', 'web']);
    await waitFor(async () => (await k(['get', 'pods', '-l', 'app=web', '--no-headers'])).stdout.trim() === '', 'pods of web gone');
  });
});
