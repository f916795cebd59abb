// End-to-end: a process-runtime container's /dev is its own (a tmpfs with the standard devices, as
// runc makes it), driven by the real kubectl: `ls /dev` in a pod lists only those, the termination
// message written to /dev/termination-log (or a custom terminationMessagePath under /dev) is
// reported in the pod's status, and nothing of it appears in the node's own /dev.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const phase = async (pod: string) => (await k(['get', 'pod', pod, '-o', 'jsonpath={.status.phase}'])).stdout;
/** STANDARD_DEV is what every container's /dev holds (runc's defaults, without /dev/core and /dev/mqueue). */
const STANDARD_DEV = ['fd', 'full', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero'];

/**
 * nodeFile identifies a file of the node's /dev (absent: ''). A node process that runs older code can
 * make /dev/termination-log at any time: the test checks that its own containers did not make or write it.
 */
const nodeFile = (p: string) => { const st = statSync(p, { throwIfNoEntry: false }); return st ? `${st.ino} ${st.mtimeMs} ${st.ctimeMs}` : ''; };

const pod = (name: string, script: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", ${JSON.stringify(script)}]
${extra}`;

// The container's own /dev needs the namespaces isolation (root, util-linux's unshare) and kubectl.
describeNeeding('a container\'s own /dev (process runtime)', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE) }, () => {
  before(async () => { c = await startCluster({ nodes: 1 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('ls /dev shows only the standard entries; the termination message written there is reported; the node has no /dev/termination-log', async () => {
    const before = nodeFile('/dev/termination-log');
    await k(['apply', '-f', '-'], pod('devlist', 'ls /dev; echo "bye from $(hostname)" > /dev/termination-log'));
    await waitFor(async () => (await phase('devlist')) === 'Succeeded', 'devlist Succeeded');
    const r = await k(['logs', 'devlist']);
    assert.deepEqual(r.stdout.trim().split('\n'), [...STANDARD_DEV, 'termination-log'].sort(), r.stderr);
    const msg = await k(['get', 'pod', 'devlist', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.message}']);
    assert.equal(msg.stdout, 'bye from devlist\n');
    assert.equal(nodeFile('/dev/termination-log'), before, 'the container\'s /dev/termination-log reached the node\'s /dev');
  });

  it('a custom terminationMessagePath under /dev stays in the container; /dev/shm is a writable tmpfs; stray files do not reach the node', async () => {
    const custom = `tskube-e2e-${process.pid}-term`;
    const stray = `tskube-e2e-${process.pid}-stray`;
    await k(['apply', '-f', '-'], pod('devcustom',
      `ls /dev | tr '\\n' ' '; echo; echo shm > /dev/shm/f && cat /dev/shm/f; : > /dev/${stray}; echo custom > /dev/${custom}`,
      `    terminationMessagePath: /dev/${custom}\n`));
    await waitFor(async () => (await phase('devcustom')) === 'Succeeded', 'devcustom Succeeded');
    const r = await k(['logs', 'devcustom']);
    assert.deepEqual(r.stdout.split('\n').slice(0, 2), [`${[...STANDARD_DEV, custom].sort().join(' ')} `, 'shm'], r.stderr);
    const msg = await k(['get', 'pod', 'devcustom', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.message}']);
    assert.equal(msg.stdout, 'custom\n');
    for (const f of [custom, stray]) assert.equal(existsSync(`/dev/${f}`), false, `/dev/${f} appeared in the node's /dev`);
  });
});
