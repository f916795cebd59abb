// `npm start` runs bin/tskube.js, which loads the esbuild bundle dist/tskube.cjs (scripts/build.mjs)
// instead of transpiling src/ at every start. This proves the bundled cluster is the same product:
// its modules still find their data files (the OpenAPI definitions, the image catalog and busybox
// applets).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, UNSHARE } from '../src/testing/system-tools.js';

const REPO = new URL('..', import.meta.url).pathname;

describeNeeding('bin/tskube.js runs the bundled cluster', { timeout: 3 * 60_000, ...requireTool(KUBECTL, UNSHARE) }, () => {
  let c: Cluster;
  const k = (args: string[]) => kubectl(c, args);
  before(async () => { c = await startCluster({ nodes: 1, entry: 'bin' }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); });

  it('ran from the bundle (built or rebuilt at start when src/ was newer)', () => {
    assert.ok(existsSync(join(REPO, 'dist', 'tskube.cjs')));
    assert.doesNotMatch(c.output(), /could not bundle/);
  });

  it('serves the OpenAPI definitions kubectl explain reads', async () => {
    const r = await k(['explain', 'pod.spec.nodeName']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /FIELD: +nodeName <string>/);
  });

  it('runs a busybox pod from the image catalog', async () => {
    const node = await waitFor(async () => {
      const r = await k(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True' && r.stdout;
    }, 'node Ready');
    assert.equal(node, 'True');
    assert.equal((await k(['run', 'b', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo from-bundle; busybox | head -1'])).code, 0);
    const logs = await waitFor(async () => {
      const r = await k(['logs', 'b']);
      return r.code === 0 && /from-bundle/.test(r.stdout) && r.stdout;
    }, 'pod logs', 240);
    assert.match(logs, /from-bundle\nBusyBox v1\./);
  });
});
