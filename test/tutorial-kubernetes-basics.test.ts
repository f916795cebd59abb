// End-to-end: kubernetes.io's "Learn Kubernetes Basics" tutorial replayed with the real kubectl on one
// tskube node (as on minikube): create a Deployment of kubernetes-bootcamp, explore it (kubectl
// proxy, describe, logs, exec), expose it as a NodePort Service, label, scale to 4 and back to 2,
// update to v2, a failed update to the missing v10 and its rollout undo, then the cleanup.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, kubectl, kubectlEnv, waitFor, type Cluster, kubectlOk, kubectlTable } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { NFTABLES } from '../src/network/testing/nft-tool.js';
import { freePort } from '../src/testing/free-port.js';
import { IMAGES_DIR } from '../src/runtime/image-catalog.js';

let c: Cluster;
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(c, args, { input, timeoutMs });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const table = (args: string[]) => kubectlTable(c, args);

/** curl fetches a URL from the host as the tutorial's reader does (undefined when nothing answers). */
function curl(url: string): string | undefined {
  try { return execFileSync('curl', ['-s', '-m', '5', url], { encoding: 'utf8' }); } catch { return undefined; }
}

const hello = (pod: string, v: 1 | 2) => `Hello Kubernetes bootcamp! | Running on: ${pod} | v=${v}\n`;
const POD_NAMES = `{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}`;
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

/** the reader's shell variables, as the tutorial exports them */
let POD_NAME = '';
let NODE_PORT = '';
let NODE_IP = '';
let proxy: ChildProcess | undefined;

/** live are the pods not being deleted: `kubectl get pods` rows without Terminating. */
const live = async () => (await table(['pods', '-l', 'app=kubernetes-bootcamp'])).filter((r) => r.STATUS !== 'Terminating');

describeNeeding('tutorial: Learn Kubernetes Basics (kubernetes-bootcamp)', { timeout: 6 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'the node Ready', 480);
  }, { timeout: 3 * 60_000 });
  after(async () => {
    if (proxy && proxy.exitCode === null) proxy.kill();
    await c?.stop();
  }, { timeout: 2 * 60_000 });

  it('module 2, create a Deployment: READY 1/1, kubectl proxy, the API version and the app through the pod proxy', async () => {
    // the module starts by checking kubectl talks to the cluster
    assert.match(await ok(['version']), /^Client Version: v\S+\nKustomize Version: v\S+\nServer Version: v1\.32\.\d+\n$/);
    const nodes = await table(['nodes']);
    assert.deepEqual(nodes.map((r) => [r.NAME, r.STATUS]), [['host01', 'Ready']]);
    assert.match(nodes[0].VERSION, /^v1\.32\.\d+$/);
    assert.equal(await ok(['create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1']),
      'deployment.apps/kubernetes-bootcamp created\n');
    const [deploy] = await waitFor(async () => {
      const rows = await table(['deployments']);
      return rows[0]?.READY === '1/1' && rows;
    }, 'kubernetes-bootcamp READY 1/1', 480);
    assert.deepEqual([deploy.NAME, deploy['UP-TO-DATE'], deploy.AVAILABLE], ['kubernetes-bootcamp', '1', '1']);

    // kubectl proxy (the tutorial's second terminal) on a free port instead of 8001
    const port = await freePort();
    proxy = spawn('kubectl', ['proxy', `--port=${port}`], { env: kubectlEnv(c), stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    proxy.stdout!.on('data', (d) => { said += d; });
    await waitFor(async () => said.includes('Starting to serve on'), 'kubectl proxy serving', 80);
    assert.equal(said, `Starting to serve on 127.0.0.1:${port}\n`);
    const version = JSON.parse(curl(`http://localhost:${port}/version`) ?? '{}');
    assert.deepEqual([version.major, version.minor], ['1', '32']);
    assert.match(version.gitVersion, /^v1\.32\.\d+$/);

    const names = await ok(['get', 'pods', '-o', 'go-template', '--template', POD_NAMES]);
    assert.match(names, /^kubernetes-bootcamp-[a-z0-9]{8,10}-[a-z0-9]{5}\n$/);
    POD_NAME = names.trim();
    // (until the app listens the API server answers 503 "error trying to reach service")
    const body = await waitFor(async () => {
      const b = curl(`http://localhost:${port}/api/v1/namespaces/default/pods/${POD_NAME}:8080/proxy/`);
      return b?.startsWith('Hello') && b;
    }, 'the app through the API server', 40);
    assert.equal(body, hello(POD_NAME, 1));
  });

  it('module 3, explore your app: get and describe pods, the logs, exec env, and bash in / with server.js', async () => {
    const [pod] = await table(['pods']);
    assert.deepEqual([pod.NAME, pod.READY, pod.STATUS, pod.RESTARTS], [POD_NAME, '1/1', 'Running', '0']);

    const described = await waitFor(async () => {
      const out = await ok(['describe', 'pods']);
      return /\n {2}Normal +Started .* kubelet +Started container kubernetes-bootcamp\n/.test(out) && out;
    }, 'the Started event', 80);
    assert.match(described, new RegExp(`^Name: +${POD_NAME}\\n`));
    assert.match(described, /\n {4}Image: +gcr\.io\/google-samples\/kubernetes-bootcamp:v1\n/);
    assert.match(described, /\n {4}State: +Running\n/);
    assert.match(described, /\n {2}Normal +Scheduled .* default-scheduler +Successfully assigned default\/kubernetes-bootcamp-\S+ to host01\n/);
    assert.match(described, /\n {2}Normal +Started .* kubelet +Started container kubernetes-bootcamp\n/);

    // the start line (two spaces before the host, a space and a blank line after it), then one line
    // per request: the proxy's curl above was request 1
    const logs = await ok(['logs', POD_NAME]);
    assert.match(logs, new RegExp(`^Kubernetes Bootcamp App Started At: ${ISO} \\| Running On:  ${POD_NAME} \\n\\n` +
      `Running On: ${POD_NAME} \\| Total Requests: 1 \\| App Uptime: [\\d.]+ seconds \\| Log Time: ${ISO}\\n$`));

    const env = (await ok(['exec', POD_NAME, '--', 'env'])).split('\n');
    for (const line of [`HOSTNAME=${POD_NAME}`, 'NPM_CONFIG_LOGLEVEL=info', 'NODE_VERSION=6.3.1', 'HOME=/root',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'KUBERNETES_SERVICE_PORT=443']) assert.ok(env.includes(line), `env has ${line}`);
    assert.ok(!env.some((l) => l.startsWith('TERM=')), 'no TERM without a terminal');

    // `kubectl exec -ti $POD_NAME -- bash`: a shell in /, where the app's source is
    const shell = await k(['exec', '-i', POD_NAME, '--', 'bash'], 'pwd\ncat server.js\ncurl -s http://localhost:8080\nexit\n');
    assert.equal(shell.code, 0, shell.stderr);
    assert.equal(shell.stdout, `/\n${readFileSync(join(IMAGES_DIR, 'kubernetes-bootcamp.cjs'), 'utf8')}${hello(POD_NAME, 1)}`);
  });

  it('module 4, expose your app publicly: a NodePort Service, curl NODE_IP:NODE_PORT, labels, delete the Service', async () => {
    assert.deepEqual((await table(['services'])).map((r) => [r.NAME, r.TYPE, r['PORT(S)']]), [['kubernetes', 'ClusterIP', '443/TCP']]);
    assert.equal(await ok(['expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080']), 'service/kubernetes-bootcamp exposed\n');
    const svc = (await table(['services'])).find((r) => r.NAME === 'kubernetes-bootcamp');
    assert.equal(svc?.TYPE, 'NodePort');
    assert.match(svc?.['PORT(S)'] ?? '', /^8080:3\d{4}\/TCP$/);

    const podIP = (await table(['pods', '-o', 'wide']))[0].IP;
    const described = await waitFor(async () => {
      const out = await ok(['describe', 'services/kubernetes-bootcamp']);
      return out.includes(`Endpoints:                ${podIP}:8080\n`) && out;
    }, 'the Service\'s endpoint', 80);
    assert.match(described, /\nType: +NodePort\n/);
    assert.match(described, /\nSelector: +app=kubernetes-bootcamp\n/);
    assert.match(described, /\nTargetPort: +8080\/TCP\n/);

    NODE_PORT = await ok(['get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}']);
    assert.equal(`8080:${NODE_PORT}/TCP`, svc?.['PORT(S)']);
    NODE_IP = (await table(['nodes', '-o', 'wide']))[0]['INTERNAL-IP'];  // what `minikube ip` prints
    assert.equal(await waitFor(async () => curl(`http://${NODE_IP}:${NODE_PORT}`), 'the node port answers', 80), hello(POD_NAME, 1));

    assert.match(await ok(['describe', 'deployment']), /\nLabels: +app=kubernetes-bootcamp\n/);
    assert.deepEqual((await table(['pods', '-l', 'app=kubernetes-bootcamp'])).map((r) => r.NAME), [POD_NAME]);
    assert.deepEqual((await table(['services', '-l', 'app=kubernetes-bootcamp'])).map((r) => r.NAME), ['kubernetes-bootcamp']);

    assert.equal(await ok(['label', 'pods', POD_NAME, 'version=v1']), `pod/${POD_NAME} labeled\n`);
    assert.match(await ok(['describe', 'pods', POD_NAME]), /\nLabels: +app=kubernetes-bootcamp\n +pod-template-hash=\S+\n +version=v1\n/);
    assert.deepEqual((await table(['pods', '-l', 'version=v1'])).map((r) => r.NAME), [POD_NAME]);

    assert.equal(await ok(['delete', 'service', '-l', 'app=kubernetes-bootcamp']), 'service "kubernetes-bootcamp" deleted\n');
    assert.deepEqual((await table(['services'])).map((r) => r.NAME), ['kubernetes']);
    await waitFor(async () => curl(`http://${NODE_IP}:${NODE_PORT}`) === undefined, 'the node port no longer answers', 80);
    // the app still runs: from inside the pod it answers
    const inside = await k(['exec', '-ti', POD_NAME, '--', 'curl', '-s', 'http://localhost:8080']);
    assert.equal(inside.stdout, hello(POD_NAME, 1).trimEnd() + '\n');
    assert.match(inside.stderr, /^Unable to use a TTY - input is not a terminal or the right kind of file\n$/);
  });

  it('module 5, scale your app: 4 replicas behind the Service answer in turn, then 2', async () => {
    // "you may need to start from creating a cluster, as the Service may have been deleted"
    await ok(['expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080']);
    NODE_PORT = await ok(['get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}']);
    const [rs] = await table(['rs']);
    assert.match(rs.NAME, /^kubernetes-bootcamp-[a-z0-9]+$/);
    assert.deepEqual([rs.DESIRED, rs.CURRENT, rs.READY], ['1', '1', '1']);

    assert.equal(await ok(['scale', 'deployments/kubernetes-bootcamp', '--replicas=4']), 'deployment.apps/kubernetes-bootcamp scaled\n');
    await waitFor(async () => (await table(['deployments']))[0]?.AVAILABLE === '4', '4 available', 480);
    assert.deepEqual(Object.values((await table(['deployments']))[0]).slice(0, 4), ['kubernetes-bootcamp', '4/4', '4', '4']);
    assert.deepEqual(Object.values((await table(['rs']))[0]).slice(0, 4), [rs.NAME, '4', '4', '4']);
    const pods = await table(['pods', '-o', 'wide']);
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => p.READY === '1/1' && p.STATUS === 'Running' && p.NODE === 'host01'));
    assert.equal(new Set(pods.map((p) => p.IP)).size, 4, 'each pod has its own IP');

    const scaled = new RegExp(`\\n {2}Normal +ScalingReplicaSet .* deployment-controller +Scaled up replica set ${rs.NAME} from 1 to 4\\n`);
    const described = await waitFor(async () => {
      const out = await ok(['describe', 'deployments/kubernetes-bootcamp']);
      return scaled.test(out) && out;
    }, 'the ScalingReplicaSet event', 80);
    assert.match(described, /\nReplicas: +4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable\n/);
    await waitFor(async () => /\nEndpoints: +(\S+:8080,){2}\S+:8080 \+ 1 more\.\.\.\n/.test(await ok(['describe', 'services/kubernetes-bootcamp'])), 'four endpoints', 80);

    // the Service balances: the reader's curls land on different pods
    const seen = new Set<string>();
    await waitFor(async () => {
      const m = /^Hello Kubernetes bootcamp! \| Running on: (\S+) \| v=1\n$/.exec(curl(`http://${NODE_IP}:${NODE_PORT}`) ?? '');
      if (m) seen.add(m[1]);
      return seen.size >= 2;
    }, 'answers from two different pods', 80);
    const names = new Set(pods.map((p) => p.NAME));
    assert.ok([...seen].every((n) => names.has(n)), `${[...seen].join(',')} are the deployment's pods`);

    assert.equal(await ok(['scale', 'deployments/kubernetes-bootcamp', '--replicas=2']), 'deployment.apps/kubernetes-bootcamp scaled\n');
    await waitFor(async () => (await live()).length === 2, 'two pods left', 120);
    assert.deepEqual(Object.values((await table(['deployments']))[0]).slice(0, 4), ['kubernetes-bootcamp', '2/2', '2', '2']);
  });

  it('module 6, update your app: v2 rolls out; the missing v10 does not pull and the rollout is undone', async () => {
    assert.equal(await ok(['set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2']),
      'deployment.apps/kubernetes-bootcamp image updated\n');
    const status = await k(['rollout', 'status', 'deployments/kubernetes-bootcamp'], undefined, 180_000);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /deployment "kubernetes-bootcamp" successfully rolled out\n$/);
    // the old pods wait out their grace period (node ignores SIGTERM as PID 1) but the Service has left them
    await waitFor(async () => {
      const answers = [1, 2, 3, 4].map(() => curl(`http://${NODE_IP}:${NODE_PORT}`) ?? '');
      return answers.every((a) => /^Hello Kubernetes bootcamp! \| Running on: \S+ \| v=2\n$/.test(a));
    }, 'every answer from v2', 80);
    assert.equal((await ok(['describe', 'pods'])).match(/\n {4}Image: +docker\.io\/jocatalin\/kubernetes-bootcamp:v2\n/g)?.length, 2);

    assert.equal(await ok(['set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=gcr.io/google-samples/kubernetes-bootcamp:v10']),
      'deployment.apps/kubernetes-bootcamp image updated\n');
    const broken = await waitFor(async () => (await live()).find((p) => p.STATUS === 'ImagePullBackOff'), 'a v10 pod in ImagePullBackOff', 240);
    assert.equal(broken.READY, '0/1');
    // maxSurge 25% of 2 rounds up to one new pod, maxUnavailable rounds down to none: the two v2 pods stay
    assert.deepEqual(Object.values((await table(['deployments']))[0]).slice(0, 4), ['kubernetes-bootcamp', '2/2', '1', '2']);
    assert.deepEqual((await live()).map((p) => p.STATUS).sort(), ['ImagePullBackOff', 'Running', 'Running']);
    // the pod's events say why (they are written beside its status: poll until all four are there)
    const pullEvents = [
      /\n {2}Warning +Failed .* kubelet +Failed to pull image "gcr\.io\/google-samples\/kubernetes-bootcamp:v10": .*not found\n/,
      /\n {2}Warning +Failed .* kubelet +Error: ErrImagePull\n/,
      /\n {2}Normal +BackOff .* kubelet +Back-off pulling image "gcr\.io\/google-samples\/kubernetes-bootcamp:v10"\n/,
      /\n {2}Warning +Failed .* kubelet +Error: ImagePullBackOff\n/,
    ];
    const events = await waitFor(async () => {
      const out = await ok(['describe', 'pods', broken.NAME]);
      return pullEvents.every((re) => re.test(out)) && out;
    }, 'the failed pull events', 80).catch(async (e: unknown) => assert.fail(`${String(e)}\n${await ok(['describe', 'pods', broken.NAME])}`));
    assert.match(events, /\n {4}State: +Waiting\n {6}Reason: +ImagePullBackOff\n/);
    const stuck = await k(['rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=2s']);
    assert.equal(stuck.code, 1);
    assert.match(stuck.stdout, /^Waiting for deployment "kubernetes-bootcamp" rollout to finish: 1 out of 2 new replicas have been updated\.\.\.\n/);
    assert.equal(stuck.stderr, 'error: timed out waiting for the condition\n');

    assert.equal(await ok(['rollout', 'undo', 'deployments/kubernetes-bootcamp']), 'deployment.apps/kubernetes-bootcamp rolled back\n');
    await waitFor(async () => {
      const pods = await live();
      return pods.length === 2 && pods.every((p) => p.STATUS === 'Running');
    }, 'back to two running pods', 240);
    assert.match((await k(['rollout', 'status', 'deployments/kubernetes-bootcamp'], undefined, 120_000)).stdout, /successfully rolled out\n$/);
    assert.equal((await ok(['describe', 'pods'])).match(/\n {4}Image: +docker\.io\/jocatalin\/kubernetes-bootcamp:v2\n/g)?.length, 2);
    assert.match(curl(`http://${NODE_IP}:${NODE_PORT}`) ?? '', /\| v=2\n$/);
  });

  it('cleanup: the Deployment and the Service are deleted', async () => {
    assert.equal(await ok(['delete', 'deployments/kubernetes-bootcamp', 'services/kubernetes-bootcamp']),
      'deployment.apps "kubernetes-bootcamp" deleted\nservice "kubernetes-bootcamp" deleted\n');
    await waitFor(async () => (await table(['deployments', '-A'])).every((r) => r.NAME !== 'kubernetes-bootcamp'), 'the deployment gone', 40);
  });
});
