// End-to-end: the real kubectl drives every verb the seeds use against `tskube up` (no nodes).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

const deployYaml = readFileSync(new URL('./fixtures/deploy.yaml', import.meta.url), 'utf8');

let c: Cluster;
const k = (args: string[], input?: string, env?: Record<string, string>) => kubectl(c, args, { input, env });

function headerOf(out: string): string[] {
  return out.split('\n')[0].trim().split(/\s{2,}/);
}

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('kubectl against tskube: create/apply/get/describe/label/annotate/patch/edit/scale/delete', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('apply creates, re-apply is unchanged, a changed apply is configured', async () => {
    let r = await k(['apply', '-f', '-'], deployYaml);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx created');
    r = await k(['apply', '-f', '-'], deployYaml);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx unchanged');
    r = await k(['apply', '-f', '-'], deployYaml.replace('replicas: 3', 'replicas: 2'));
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx configured');
    r = await k(['get', 'deployment', 'nginx', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(r.stdout, '2');
  });

  it('get prints the Deployment table, wide adds containers, images and selector', async () => {
    let r = await k(['get', 'deployment', 'nginx']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(headerOf(r.stdout), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.match(r.stdout.split('\n')[1], /^nginx\s+0\/2\s+\d+\s+0\s+\d+s$/);
    r = await k(['get', 'deploy', 'nginx', '-o', 'wide']);
    assert.deepEqual(headerOf(r.stdout), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.match(r.stdout.split('\n')[1], /nginx\s+nginx:1\.25\s+app=nginx$/);
  });

  it('-o yaml and -o json show the object as Kubernetes defaulted it', async () => {
    const r = await k(['get', 'deployment', 'nginx', '-o', 'json']);
    const d = JSON.parse(r.stdout);
    assert.equal(d.apiVersion, 'apps/v1');
    assert.equal(d.metadata.generation, 2);
    assert.match(d.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const pod = d.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.equal(pod.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.containers[0].ports[0].protocol, 'TCP');
    const y = await k(['get', 'deployment', 'nginx', '-o', 'yaml']);
    assert.match(y.stdout, /kubectl.kubernetes.io\/last-applied-configuration/);
    assert.match(y.stdout, /dnsPolicy: ClusterFirst/);
  });

  it('describe prints the deployment', async () => {
    const r = await k(['describe', 'deployment', 'nginx']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name:\s+nginx$/m);
    assert.match(r.stdout, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(r.stdout, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
  });

  it('label, annotate and selectors', async () => {
    let r = await k(['label', 'deployment', 'nginx', 'tier=web']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx labeled');
    r = await k(['annotate', 'deployment', 'nginx', 'note=hello']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx annotated');
    r = await k(['get', 'deployments', '-l', 'tier=web', '-o', 'name']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx');
    // a selector the server refuses also prints nothing on stdout: the exit code tells them apart
    r = await k(['get', 'deployments', '-l', 'tier notin (web)', '-o', 'name']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    r = await k(['get', 'deployments', '-l', 'tier notin (db)', '-o', 'name']);
    assert.deepEqual([r.code, r.stdout.trim()], [0, 'deployment.apps/nginx'], r.stderr);
    r = await k(['get', 'deployments', '-l', 'tier notin (web', '-o', 'name']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(BadRequest\): Unable to find "apps\/v1, Resource=deployments" that match label selector "tier notin \(web", field selector "": unable to parse requirement: found '', expected: ',' or '\)'/);
    r = await k(['label', 'deployment', 'nginx', 'tier=db']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'tier' already has a value \(web\), and --overwrite is false/);
    r = await k(['label', 'deployment', 'nginx', 'tier=db', '--overwrite']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx labeled');
  });

  it('patch: strategic merge, merge and JSON patch', async () => {
    let r = await k(['patch', 'deployment', 'nginx', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx patched');
    r = await k(['get', 'deployment', 'nginx', '-o', 'json']);
    let d = JSON.parse(r.stdout);
    assert.equal(d.spec.template.spec.containers.length, 1);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.26');
    assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 80, 'strategic merge keeps the other fields of the container');
    r = await k(['patch', 'deployment', 'nginx', '--type', 'merge', '-p', '{"spec":{"replicas":5}}']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx patched');
    r = await k(['patch', 'deployment', 'nginx', '--type', 'json', '-p', '[{"op":"add","path":"/spec/minReadySeconds","value":3}]']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx patched');
    d = JSON.parse((await k(['get', 'deployment', 'nginx', '-o', 'json'])).stdout);
    assert.equal(d.spec.replicas, 5);
    assert.equal(d.spec.minReadySeconds, 3);
  });

  it('edit with KUBE_EDITOR changes the object', async () => {
    const r = await k(['edit', 'deployment', 'nginx'], undefined, { KUBE_EDITOR: 'sed -i s/replicas:\\ 5/replicas:\\ 4/' });
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx edited', r.stderr);
    const d = JSON.parse((await k(['get', 'deployment', 'nginx', '-o', 'json'])).stdout);
    assert.equal(d.spec.replicas, 4);
  });

  it('scale goes through the scale subresource', async () => {
    let r = await k(['scale', '--replicas=2', 'deployment', 'nginx']);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx scaled');
    r = await k(['get', 'deployment', 'nginx', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(r.stdout, '2');
    r = await k(['scale', 'deployment', 'nginx', '--replicas=-1']);
    assert.equal(r.stderr.trim(), 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  });

  it('a stale update is a conflict', async () => {
    const d = JSON.parse((await k(['get', 'deployment', 'nginx', '-o', 'json'])).stdout);
    await k(['label', 'deployment', 'nginx', 'bump=1']);
    const r = await k(['replace', '-f', '-'], JSON.stringify(d));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Operation cannot be fulfilled on deployments.apps "nginx": the object has been modified; please apply your changes to the latest version and try again/);
  });

  it('delete removes it; a second delete is NotFound', async () => {
    let r = await k(['delete', 'deployment', 'nginx']);
    assert.equal(r.stdout.trim(), 'deployment.apps "nginx" deleted');
    r = await k(['delete', 'deployment', 'nginx']);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): deployments.apps "nginx" not found');
    r = await k(['get', 'pod', 'does-not-exist']);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "does-not-exist" not found');
  });

  it('creating into a missing namespace is refused', async () => {
    const r = await k(['apply', '-n', 'nope', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found');
  });

  it('configmaps from literals and files', async () => {
    let r = await k(['create', 'configmap', 'app-config', '--from-literal=key1=value1', '--from-literal=greeting=hello world']);
    assert.equal(r.stdout.trim(), 'configmap/app-config created');
    r = await k(['get', 'cm', 'app-config']);
    assert.deepEqual(headerOf(r.stdout), ['NAME', 'DATA', 'AGE']);
    assert.match(r.stdout.split('\n')[1], /^app-config\s+2\s+\d+s$/);
    r = await k(['describe', 'configmap', 'app-config']);
    assert.match(r.stdout, /greeting:\n----\nhello world/);
  });

  it('system namespaces exist', async () => {
    const r = await k(['get', 'ns', '-o', 'name']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(r.stdout, new RegExp(`^namespace/${ns}$`, 'm'));
  });

  it('deleting a namespace deletes what is in it; new namespaces get a default ServiceAccount', async () => {
    let r = await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: scratch}\n');
    assert.equal(r.stdout.trim(), 'namespace/scratch created', r.stderr);
    r = await k(['apply', '-n', 'scratch', '-f', '-'], deployYaml);
    assert.equal(r.stdout.trim(), 'deployment.apps/nginx created', r.stderr);
    await waitFor(async () => (await k(['get', 'sa', 'default', '-n', 'scratch'])).code === 0, 'default ServiceAccount');
    r = await k(['delete', 'namespace', 'scratch', '--timeout=60s']);
    assert.equal(r.stdout.trim(), 'namespace "scratch" deleted', r.stderr);
    r = await k(['get', 'namespace', 'scratch']);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): namespaces "scratch" not found');
    r = await k(['get', 'deployments', '-n', 'scratch', '-o', 'name']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  });

  it('get -w streams changes', async () => {
    const watch = kubectl(c, ['get', 'configmaps', '-w', '--request-timeout=6s']);
    await new Promise((r) => setTimeout(r, 1500));
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\ndata: {a: b}\n');
    const r = await watch;
    assert.match(r.stdout, /^NAME\s+DATA\s+AGE$/m);
    assert.match(r.stdout, /^watched\s+1\s+\d+s$/m);
  });

  it('explain prints field descriptions', async () => {
    const r = await k(['explain', 'pod.spec.containers.livenessProbe']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^KIND:\s+Pod$/m);
    assert.match(r.stdout, /FIELD:\s+livenessProbe <Probe>/);
    assert.match(r.stdout, /initialDelaySeconds\s+<integer>/);
    assert.match(r.stdout, /Container will be restarted if the\s+probe fails/);
  });
});
