// End-to-end: `tskube up --store etcd` keeps the cluster in an etcd this test starts (a second
// cluster on a fresh data dir finds the objects there), and `--images FILE` adds image catalog
// entries that pods run from; the real kubectl drives both.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';
import { ETCD_BIN, startTestEtcd, type TestEtcd } from '../src/storage/etcd/test-etcd.js';

const ETCD = { name: 'etcd', path: ETCD_BIN, apt: 'etcd-server' };

let c: Cluster | undefined;
let etcd: TestEtcd | undefined;
const work = mkdtempSync(join(tmpdir(), 'tskube-upflags-'));
const catalog = join(work, 'my-images.yaml');
const k = (args: string[], input?: string) => kubectl(c!, args, { input });

/** etcdGet reads one key through etcd's JSON gateway (v3 API, keys and values base64). */
async function etcdGet(key: string): Promise<string | undefined> {
  const res = await fetch(`${etcd!.endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from(key).toString('base64') }) });
  const body = await res.json() as { kvs?: { value: string }[] };
  const kv = body.kvs?.[0];
  return kv ? Buffer.from(kv.value, 'base64').toString() : undefined;
}

// Needs the real kubectl and etcd (skipped without them, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('tskube up --store etcd and --images', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ETCD) }, () => {
  before(async () => {
    etcd = await startTestEtcd();
    // an image only this catalog knows: its entrypoint is what the pod runs (it gives no command)
    writeFileSync(catalog, 'images:\n  example.com/tskube-e2e/greeter: { entrypoint: [sh, -c, "echo greetings from the extra catalog; exec sleep 3600"] }\n');
    c = await startCluster({ nodes: 1, extraArgs: ['--store', 'etcd', '--etcd-endpoints', etcd.endpoint, '--images', catalog] });
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await c?.stop();
    await etcd?.stop();
    rmSync(work, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('--images: a pod of an image only the extra catalog knows runs that entrypoint', async () => {
    let r = await k(['run', 'greeter', '--image=example.com/tskube-e2e/greeter', '--restart=Never']);
    assert.equal(r.stdout.trim(), 'pod/greeter created', r.stderr);
    await waitFor(async () => (await k(['get', 'pod', 'greeter', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'greeter Running');
    r = await waitFor(async () => { const l = await k(['logs', 'greeter']); return l.stdout !== '' && l; }, 'greeter logs');
    assert.equal(r.stdout, 'greetings from the extra catalog\n');
  });

  it('--store etcd: what kubectl creates is stored in etcd under /registry', async () => {
    const r = await k(['create', 'configmap', 'kept', '--from-literal=where=etcd']);
    assert.equal(r.stdout.trim(), 'configmap/kept created', r.stderr);
    const stored = await etcdGet('/registry/configmaps/default/kept');
    assert.ok(stored, 'no key /registry/configmaps/default/kept in etcd');
    const obj = JSON.parse(stored);
    assert.deepEqual([obj.kind, obj.metadata.name, obj.data], ['ConfigMap', 'kept', { where: 'etcd' }]);
  });

  it('--store etcd: a new cluster on a fresh data dir and the same etcd has the objects', async () => {
    await c!.stop();
    c = await startCluster({ nodes: 0, extraArgs: ['--store', 'etcd', '--etcd-endpoints', etcd!.endpoint] });
    const r = await k(['get', 'configmap', 'kept', '-o', 'jsonpath={.data.where}']);
    assert.deepEqual([r.code, r.stdout], [0, 'etcd'], r.stderr);
  });
});

describeNeeding('tskube up --images with a file that cannot be read', { timeout: 2 * 60_000 }, () => {
  it('exits with the flag and the path in the error instead of starting', async () => {
    const missing = join(work, 'no-such-catalog.yaml');
    await assert.rejects(startCluster({ nodes: 0, extraArgs: ['--images', missing] }), (e: Error) => e.message.includes(`--images ${missing}: cannot read ${missing}`));
  });
});

describeNeeding('tskube up --store with a kind it does not have', { timeout: 2 * 60_000 }, () => {
  it('exits naming the allowed kinds instead of starting on SQLite', async () => {
    await assert.rejects(startCluster({ nodes: 0, extraArgs: ['--store', 'etc'] }),
      (e: Error) => e.message.includes("argument 'etc' is invalid. Allowed choices are sqlite, etcd."));
  });
});
