// End-to-end: kubectl's typed-client commands send protobuf bodies; the server decodes them.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[]) => kubectl(c, args);

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('kubectl create/expose/autoscale (protobuf request bodies)', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  const cases: [string[], string][] = [
    [['create', 'configmap', 'cm-appenv', '--from-literal=loglevel=info', '--from-literal=appdatadir=/var/data'], 'configmap/cm-appenv created'],
    [['create', 'deployment', 'nginx', '--image=nginx', '--replicas=2'], 'deployment.apps/nginx created'],
    [['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'], 'job.batch/j created'],
    [['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/1 * * * *'], 'cronjob.batch/cj created'],
    [['create', 'secret', 'generic', 's', '--from-literal=k=v'], 'secret/s created'],
    [['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'], 'service/svc created'],
    [['expose', 'deployment', 'nginx', '--port=80', '--target-port=9376'], 'service/nginx exposed'],
    [['create', 'namespace', 'ns1'], 'namespace/ns1 created'],
    [['autoscale', 'deployment', 'nginx', '--min=1', '--max=5', '--cpu-percent=50'], 'horizontalpodautoscaler.autoscaling/nginx autoscaled'],
  ];
  for (const [args, out] of cases) {
    it(args.slice(0, 2).join(' '), async () => {
      const r = await k(args);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.trim(), out);
    });
  }

  it('the decoded objects are what JSON would have given', async () => {
    const cm = JSON.parse((await k(['get', 'cm', 'cm-appenv', '-o', 'json'])).stdout);
    assert.deepEqual(cm.data, { loglevel: 'info', appdatadir: '/var/data' });
    const d = JSON.parse((await k(['get', 'deploy', 'nginx', '-o', 'json'])).stdout);
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'nginx' } });
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx');
    assert.equal(d.spec.minReadySeconds, undefined);
    const svc = JSON.parse((await k(['get', 'svc', 'nginx', '-o', 'json'])).stdout);
    assert.deepEqual(svc.spec.ports.map((p: { port: number; targetPort: number }) => [p.port, p.targetPort]), [[80, 9376]]);
    const s = JSON.parse((await k(['get', 'secret', 's', '-o', 'json'])).stdout);
    assert.equal(Buffer.from(s.data.k, 'base64').toString(), 'v');
    const hpa = JSON.parse((await k(['get', 'hpa', 'nginx', '-o', 'json'])).stdout);
    assert.equal(hpa.spec.maxReplicas, 5);
  });

  it('seed 004: a ConfigMap from files (--from-file=DIR) keeps each file as a key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-cm-'));
    writeFileSync(join(dir, 'server.xml'), '<Server port="8005"/>\n');
    writeFileSync(join(dir, 'logging.properties'), 'level=INFO\n');
    try {
      const r = await k(['create', 'configmap', 'cm-appconf', `--from-file=${dir}`]);
      assert.equal(r.stdout.trim(), 'configmap/cm-appconf created', r.stderr);
      const cm = JSON.parse((await k(['get', 'cm', 'cm-appconf', '-o', 'json'])).stdout);
      assert.deepEqual(cm.data, { 'logging.properties': 'level=INFO\n', 'server.xml': '<Server port="8005"/>\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second create is AlreadyExists, worded as kubectl words it', async () => {
    const r = await k(['create', 'deployment', 'nginx', '--image=nginx']);
    assert.equal(r.stderr.trim(), 'error: failed to create deployment: deployments.apps "nginx" already exists');
  });

  it('creating into a missing namespace is refused', async () => {
    const r = await k(['create', 'configmap', 'x', '-n', 'nope', '--from-literal=a=b']);
    assert.equal(r.stderr.trim(), 'error: failed to create configmap: namespaces "nope" not found');
  });
});
