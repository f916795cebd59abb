// End-to-end: kubernetes.io's "Example: Deploying PHP Guestbook application with Redis" replayed with
// the real kubectl on two tskube nodes: the redis leader (docker.io/redis:6.0.5) and its logs, two
// followers (gb-redis-follower:v2) replicating it through the Service's DNS name, the PHP frontend
// (gb-frontend:v5) behind `kubectl port-forward svc/frontend`, a message written through
// guestbook.php and read back through a follower, scaling the frontend to 5 and to 2, and the
// tutorial's cleanup. The manifests are the tutorial's as published (release-1.32), including the
// two redis Deployments' overlapping selector (app: redis). Then seed 004's older guestbook: its
// frontend RC (kubeguide/guestbook-php-frontend) finding redis-master/redis-slave by environment.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startCluster, kubectl, kubectlStream, waitFor, type Cluster, type KubectlStream, kubectlOk, kubectlTable } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { NFTABLES } from '../src/network/testing/nft-tool.js';
import { freePort } from '../src/testing/free-port.js';
import { frontendController, redisMasterController, redisService, redisSlaveController } from './fixtures/seed-004-guestbook.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const table = (args: string[]) => kubectlTable(c, args);

/** curl fetches a URL from the host as the tutorial's reader does in a browser (undefined when nothing answers). */
function curl(url: string): string | undefined {
  try { return execFileSync('curl', ['-s', '-m', '10', url], { encoding: 'utf8' }); } catch { return undefined; }
}

/** runningPods lists the pods (not Terminating) whose names start with prefix, once all of them are 1/1 Running. */
async function runningPods(prefix: string, n: number, selector: string[] = []): Promise<string[] | undefined> {
  const rows = (await table(['pods', ...selector])).filter((r) => r.NAME.startsWith(prefix) && r.STATUS !== 'Terminating');
  return rows.length === n && rows.every((r) => r.READY === '1/1' && r.STATUS === 'Running') ? rows.map((r) => r.NAME) : undefined;
}

const SOURCE = '# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook\n';

const redisLeaderDeployment = `${SOURCE}apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-leader
  labels:
    app: redis
    role: leader
    tier: backend
spec:
  replicas: 1
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
        role: leader
        tier: backend
    spec:
      containers:
      - name: leader
        image: "docker.io/redis:6.0.5"
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 6379
`;

const redisLeaderService = `${SOURCE}apiVersion: v1
kind: Service
metadata:
  name: redis-leader
  labels:
    app: redis
    role: leader
    tier: backend
spec:
  ports:
  - port: 6379
    targetPort: 6379
  selector:
    app: redis
    role: leader
    tier: backend
`;

const redisFollowerDeployment = `${SOURCE}apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-follower
  labels:
    app: redis
    role: follower
    tier: backend
spec:
  replicas: 2
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
        role: follower
        tier: backend
    spec:
      containers:
      - name: follower
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-redis-follower:v2
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 6379
`;

const redisFollowerService = `${SOURCE}apiVersion: v1
kind: Service
metadata:
  name: redis-follower
  labels:
    app: redis
    role: follower
    tier: backend
spec:
  ports:
    # the port that this service should serve on
  - port: 6379
  selector:
    app: redis
    role: follower
    tier: backend
`;

const frontendDeployment = `${SOURCE}apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
        app: guestbook
        tier: frontend
  template:
    metadata:
      labels:
        app: guestbook
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5
        env:
        - name: GET_HOSTS_FROM
          value: "dns"
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 80
`;

const frontendService = `${SOURCE}apiVersion: v1
kind: Service
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  # if your cluster supports it, uncomment the following to automatically create
  # an external load-balanced IP for the frontend service.
  # type: LoadBalancer
  #type: LoadBalancer
  ports:
    # the port that this service should serve on
  - port: 80
  selector:
    app: guestbook
    tier: frontend
`;

let streams: KubectlStream[] = [];

describeNeeding('tutorial: Deploying PHP Guestbook application with Redis', { timeout: 6 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes', 480);
  }, { timeout: 3 * 60_000 });
  after(async () => {
    for (const s of streams) await s.kill();
    await c?.stop();
  }, { timeout: 2 * 60_000 });

  it('start up the Redis database: the leader, its logs and Service, two followers replicating it', async () => {
    assert.equal(await ok(['apply', '-f', '-'], redisLeaderDeployment), 'deployment.apps/redis-leader created\n');
    await waitFor(() => runningPods('redis-leader-', 1), 'the redis leader Running', 480);

    // `kubectl logs -f deployment/redis-leader`: redis 6.0.5's start lines, until the reader stops it
    const logs = kubectlStream(c, ['logs', '-f', 'deployment/redis-leader']);
    streams.push(logs);
    await waitFor(async () => /Ready to accept connections/.test(logs.stdout()), 'the leader\'s logs', 480);
    await logs.kill();
    assert.match(logs.stdout(), /^1:C \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo$/m);
    assert.match(logs.stdout(), /^1:C .* # Redis version=6\.0\.5, bits=64, commit=00000000, modified=0, pid=1, just started$/m);
    assert.match(logs.stdout(), /^1:M .* \* Running mode=standalone, port=6379\.$/m);
    assert.match(logs.stdout(), /^1:M .* \* Ready to accept connections$/m);

    assert.equal(await ok(['apply', '-f', '-'], redisLeaderService), 'service/redis-leader created\n');
    const services = await table(['service']);
    assert.deepEqual(services.map((r) => [r.NAME, r.TYPE, r['EXTERNAL-IP'], r['PORT(S)']]),
      [['kubernetes', 'ClusterIP', '<none>', '443/TCP'], ['redis-leader', 'ClusterIP', '<none>', '6379/TCP']]);

    assert.equal(await ok(['apply', '-f', '-'], redisFollowerDeployment), 'deployment.apps/redis-follower created\n');
    const followers = await waitFor(() => runningPods('redis-follower-', 2), 'two redis followers Running', 480);
    // the two Deployments select app=redis alike: each keeps only its own pods (their ReplicaSets own them)
    assert.ok(await runningPods('redis-leader-', 1), 'the leader is still alone');
    for (const pod of followers) {
      const out = await waitFor(async () => {
        const o = (await k(['logs', pod])).stdout;
        return /MASTER <-> REPLICA sync: Finished with success/.test(o) && o;
      }, `${pod} synced with the leader`, 480);
      // the image's run.sh finds the leader by its Service's DNS name (GET_HOSTS_FROM unset)
      assert.match(out, /^1:S .* \* Connecting to MASTER redis-leader:6379$/m);
    }

    // the leader saw each follower attach (by its pod IP and port)
    const leaderLogs = (await ok(['logs', 'deployment/redis-leader'])).match(/^1:M .* \* Synchronization with replica [\d.]+:6379 succeeded$/gm) ?? [];
    assert.equal(leaderLogs.length, 2, 'two replicas synchronized with the leader');

    assert.equal(await ok(['apply', '-f', '-'], redisFollowerService), 'service/redis-follower created\n');
    assert.deepEqual((await table(['services'])).map((r) => [r.NAME, r['PORT(S)']]),
      [['kubernetes', '443/TCP'], ['redis-follower', '6379/TCP'], ['redis-leader', '6379/TCP']]);
  });

  it('set up and expose the guestbook frontend: port-forward svc/frontend, a message written to the leader comes back through a follower', async () => {
    assert.equal(await ok(['apply', '-f', '-'], frontendDeployment), 'deployment.apps/frontend created\n');
    await waitFor(() => runningPods('frontend-', 3, ['-l', 'app=guestbook', '-l', 'tier=frontend']), 'three frontends Running', 480);
    assert.equal(await ok(['apply', '-f', '-'], frontendService), 'service/frontend created\n');
    const frontend = (await table(['services'])).find((r) => r.NAME === 'frontend');
    assert.deepEqual(frontend && [frontend.TYPE, frontend['EXTERNAL-IP'], frontend['PORT(S)']], ['ClusterIP', '<none>', '80/TCP']);

    // `kubectl port-forward svc/frontend 8080:80`, on a port free on this machine
    const port = await freePort();
    const pf = kubectlStream(c, ['port-forward', 'svc/frontend', `${port}:80`]);
    streams.push(pf);
    await waitFor(async () => pf.stdout().includes(`Forwarding from 127.0.0.1:${port} -> 80`), 'port-forward listening', 480);
    const base = `http://localhost:${port}`;

    const page = await waitFor(async () => curl(`${base}/`), 'the guestbook page', 120);
    assert.match(page, /<title>Guestbook<\/title>/);
    assert.match(page, /<script src="controllers.js"><\/script>/);
    assert.match(curl(`${base}/controllers.js`) ?? '', /guestbook\.php\?cmd=set&key=messages&value=/);

    // what the page's script sends on Submit: the whole list, comma-joined, to the leader
    assert.equal(curl(`${base}/guestbook.php?cmd=set&key=messages&value=,Hello%20tskube,from%20the%20tutorial`), '{"message": "Updated"}');
    // and what it reads at load: from a follower, once replication brought the value there
    await waitFor(async () => curl(`${base}/guestbook.php?cmd=get&key=messages`) === '{"data": ",Hello tskube,from the tutorial"}',
      'the message read back through a follower', 120);

    // the frontend pod that served the requests logged them as Apache does
    const access = await waitFor(async () => {
      for (const pod of (await runningPods('frontend-', 3, ['-l', 'app=guestbook'])) ?? []) {
        const out = (await k(['logs', pod])).stdout;
        if (out.includes('"GET /guestbook.php?cmd=set&key=messages')) return out;
      }
      return undefined;
    }, 'the access log line', 120);
    assert.match(access, /^AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using [\d.]+\. Set the 'ServerName' directive globally to suppress this message$/m);
    assert.match(access, /^\S+ - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/guestbook\.php\?cmd=get&key=messages HTTP\/1\.1" 200 \d+ "-" "curl\/[\d.]+"$/m);

    // without followers the page cannot read: the reads go to the redis-follower Service, not the leader
    assert.equal(await ok(['scale', 'deployment', 'redis-follower', '--replicas=0']), 'deployment.apps/redis-follower scaled\n');
    await waitFor(async () => (await table(['pods'])).every((r) => !r.NAME.startsWith('redis-follower-')), 'no followers', 480);
    await waitFor(async () => /Uncaught Predis\\Connection\\ConnectionException: .*\[tcp:\/\/redis-follower:6379\]/.test(curl(`${base}/guestbook.php?cmd=get&key=messages`) ?? ''),
      'the read failing without followers', 120);
    await ok(['scale', 'deployment', 'redis-follower', '--replicas=2']);
    await waitFor(() => runningPods('redis-follower-', 2), 'two redis followers Running again', 480);
    await waitFor(async () => curl(`${base}/guestbook.php?cmd=get&key=messages`) === '{"data": ",Hello tskube,from the tutorial"}',
      'the new followers copied the leader', 120);
    await pf.kill();
  });

  it('scale the web frontend to 5 and back to 2', async () => {
    assert.equal(await ok(['scale', 'deployment', 'frontend', '--replicas=5']), 'deployment.apps/frontend scaled\n');
    await waitFor(() => runningPods('frontend-', 5), 'five frontends Running', 480);
    assert.equal(await ok(['scale', 'deployment', 'frontend', '--replicas=2']), 'deployment.apps/frontend scaled\n');
    await waitFor(async () => (await table(['pods'])).filter((r) => r.NAME.startsWith('frontend-')).length === 2, 'two frontends left', 480);
    assert.ok(await runningPods('frontend-', 2));
    assert.ok(await runningPods('redis-follower-', 2));
    assert.ok(await runningPods('redis-leader-', 1));
  });

  it('cleaning up: the deployments and services by label and by name, then no pods', async () => {
    assert.equal(await ok(['delete', 'deployment', '-l', 'app=redis']), 'deployment.apps "redis-follower" deleted\ndeployment.apps "redis-leader" deleted\n');
    assert.equal(await ok(['delete', 'service', '-l', 'app=redis']), 'service "redis-follower" deleted\nservice "redis-leader" deleted\n');
    assert.equal(await ok(['delete', 'deployment', 'frontend']), 'deployment.apps "frontend" deleted\n');
    assert.equal(await ok(['delete', 'service', 'frontend']), 'service "frontend" deleted\n');
    await waitFor(async () => {
      const r = await k(['get', 'pods']);
      return r.code === 0 && r.stdout === '' && r.stderr === 'No resources found in default namespace.\n';
    }, 'no pods left', 480);
  });

  it('seed 004\'s older guestbook: kubeguide/guestbook-php-frontend finds redis-master and redis-slave by their Services\' environment', async () => {
    // the Services first: a pod's environment holds only the Services that existed when it started
    await ok(['create', '-f', '-'], seed004Services);
    await ok(['create', '-f', '-'], seed004Controllers);
    await waitFor(() => runningPods('redis-master-', 1), 'redis-master Running', 480);
    await waitFor(() => runningPods('redis-slave-', 2), 'two redis-slave pods Running', 480);
    const [frontend] = await waitFor(() => runningPods('frontend-', 3), 'three frontends Running', 480);
    const env = await ok(['exec', frontend, '--', 'env']);
    assert.match(env, /^GET_HOSTS_FROM=env$/m);
    assert.match(env, /^REDIS_MASTER_SERVICE_HOST=[\d.]+$/m);

    const port = await freePort();
    const pf = kubectlStream(c, ['port-forward', `pod/${frontend}`, `${port}:80`]);
    streams.push(pf);
    await waitFor(async () => pf.stdout().includes(`Forwarding from 127.0.0.1:${port} -> 80`), 'port-forward listening', 480);
    const base = `http://localhost:${port}`;
    assert.equal(await waitFor(async () => curl(`${base}/guestbook.php?cmd=set&key=messages&value=,seed004`), 'the set', 120), '{"message": "Updated"}');
    await waitFor(async () => curl(`${base}/guestbook.php?cmd=get&key=messages`) === '{"data": ",seed004"}', 'the message read back through redis-slave', 120);
    // the PHP 5 image of the book's time, as its phpinfo() shows
    assert.match(curl(`${base}/guestbook.php`) ?? '', /PHP Version 5\.6\.40/);
    await pf.kill();
  });
});

// seed 004 (2.4.8): the frontend RC of the book, behind the guestbook's redis master and replicas
const seed004Services = [redisService('redis-master'), redisService('redis-slave')].join('---\n');
const seed004Controllers = [redisMasterController(), redisSlaveController, frontendController].join('---\n');
