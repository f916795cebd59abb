// End-to-end: seed 004 (2.4.8–2.4.10) with the real kubectl — the guestbook's redis master placed by
// nodeSelector on the node labelled zone=north, its replicas finding it through the Service's
// environment variables (GET_HOSTS_FROM=env) and copying its keys, `kubectl scale rc`, and the HPA
// walkthrough's php-apache under its old gcr.io/google_containers name.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlOk, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';
import { redisMasterController, redisService, redisSlaveController } from './fixtures/seed-004-guestbook.js';

let c: Cluster;
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(c, args, { input, timeoutMs });
/** ok runs kubectl and fails the test unless it exits 0. */
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);

/** rows reads `kubectl get pods -l SELECTOR -o wide` as NAME → [READY, STATUS, NODE]. */
async function rows(selector: string): Promise<Map<string, string[]>> {
  const out = (await k(['get', 'pods', '-l', selector, '-o', 'wide', '--no-headers'])).stdout.trim();
  return new Map(out ? out.split('\n').map((l) => l.split(/\s+/)).map((f) => [f[0], [f[1], f[2], f[6]]]) : []);
}
const allRunning = async (selector: string, n: number) => {
  const r = [...(await rows(selector)).values()];
  return r.length === n && r.every(([ready, status]) => ready === '1/1' && status === 'Running');
};

const redisMaster = `${redisMasterController('north')}---\n${redisService('redis-master')}`;

describeNeeding('seed 004: the guestbook\'s redis master and replicas, scale rc, php-apache', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes', 480);
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('nodeSelector puts redis-master on the zone=north node; the replicas sync from it through the Service; scale rc', async () => {
    assert.equal((await ok(['label', 'nodes', 'host02', 'zone=north'])).trim(), 'node/host02 labeled');
    await ok(['create', '-f', '-'], redisMaster);
    await waitFor(() => allRunning('name=redis-master', 1), 'redis-master Running', 480);
    assert.deepEqual([...(await rows('name=redis-master')).values()].map((r) => r[2]), ['host02']);

    await ok(['create', '-f', '-'], redisSlaveController);
    await waitFor(() => allRunning('name=redis-slave', 2), 'two redis-slave pods Running', 480);
    const [replica] = [...(await rows('name=redis-slave')).keys()];
    const logs = await waitFor(async () => {
      const out = (await k(['logs', replica])).stdout;
      return /MASTER <-> REPLICA sync: Finished with success/.test(out) && out;
    }, 'the replica synced with its master', 480);
    assert.match(logs, /^1:S .* \* Connecting to MASTER \d+\.\d+\.\d+\.\d+:6379$/m, 'the master found by REDIS_MASTER_SERVICE_HOST');

    assert.equal((await ok(['scale', 'rc', 'redis-slave', '--replicas=3'])).trim(), 'replicationcontroller/redis-slave scaled');
    await waitFor(() => allRunning('name=redis-slave', 3), 'three redis-slave pods Running', 480);
    assert.equal((await ok(['scale', 'rc', 'redis-slave', '--replicas=1'])).trim(), 'replicationcontroller/redis-slave scaled');
    await waitFor(async () => (await rows('name=redis-slave')).size === 1, 'one redis-slave pod left', 480);
  });

  it('php-apache under gcr.io/google_containers/hpa-example runs and answers OK! through its Service', async () => {
    await ok(['create', '-f', '-'], `apiVersion: v1
kind: ReplicationController
metadata:
  name: php-apache
spec:
  replicas: 1
  template:
    metadata:
      name: php-apache
      labels:
        app: php-apache
    spec:
      containers:
      - name: php-apache
        image: gcr.io/google_containers/hpa-example
        resources:
          requests:
            cpu: 200m
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
spec:
  ports:
  - port: 80
  selector:
    app: php-apache
`);
    await waitFor(() => allRunning('app=php-apache', 1), 'php-apache Running', 480);
    await ok(['run', 'load', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
    await waitFor(async () => /\s1\/1\s+Running\s/.test((await k(['get', 'pod', 'load', '--no-headers'])).stdout), 'load pod Running', 480);
    const page = await waitFor(async () => {
      const r = await k(['exec', 'load', '--', 'wget', '-q', '-O-', 'http://php-apache'], undefined, 60_000).catch(() => undefined);
      return r?.stdout === 'OK!' && r.stdout;
    }, 'php-apache answers', 480);
    assert.equal(page, 'OK!');
  });
});
