// The official Python client (Debian's python3-kubernetes) against `tskube up`: list, create,
// watch, patch, selectors, logs, exec with stdout and stderr, the scale subresource, 404/409.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, requireTool } from '../src/testing/system-tools.js';

const PYTHON = '/usr/bin/python3';
const skip = requireTool({ name: 'python3-kubernetes', check: () => spawnSync(PYTHON, ['-c', 'import kubernetes']).status === 0, apt: 'python3-kubernetes' });


describeNeeding('the official Python client', { ...skip, timeout: 180_000 }, () => {
  let cluster: Cluster;
  before(async () => { cluster = await startCluster({ nodes: 1 }); });
  after(async () => { await cluster?.stop(); });

  it('lists, creates, watches, patches, selects, reads logs, execs and scales', async () => {
    await kubectl(cluster, ['create', 'namespace', 'py']);
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'fixtures/python-client.py'), cluster.kubeconfig, 'py'], { encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.deepEqual(out.watch.filter((e: string[]) => e[1] === 'py-cm'), [['ADDED', 'py-cm'], ['MODIFIED', 'py-cm'], ['DELETED', 'py-cm']]);
    assert.ok(out.watch.some((e: string[]) => e[0] === 'ADDED' && e[1] === 'other'));
    assert.deepEqual(out.conflict, [409, 'AlreadyExists']);
    assert.deepEqual(out.notFound, [404, 'NotFound']);
    assert.deepEqual(out.patched, { a: '1', b: '2' });
    assert.deepEqual(out.selected, ['py-cm']);
    assert.equal(out.phase, 'Running');
    assert.equal(out.log, 'hello from py\n');
    assert.equal(out.execStdout, 'out\n');
    assert.deepEqual(out.execSplit, ['out\n', 'err\n']);
    assert.equal(out.scale, 3);
    assert.equal(out.depReplicas, 3);
  });
});
