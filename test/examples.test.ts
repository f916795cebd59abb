// End-to-end: the README's quick start, `kubectl apply -f examples/` against `tskube up --nodes 3`:
// every object of every example is accepted, and each example does what its seed shows.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startCluster, kubectl, waitFor, type Cluster, type KubectlResult, parseTable, type KubectlTable } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

interface ObjRef { file: string; kind: string; group: string; name: string }

/** objectsOf lists the objects each example file declares. */
function objectsOf(file: string): ObjRef[] {
  return parseAllDocuments(readFileSync(join(EXAMPLES, file), 'utf8')).map((d) => {
    const o = d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } };
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    return { file, kind: o.kind, group, name: o.metadata.name };
  });
}
/** ref is how kubectl names an object: deployment.apps/nginx, configmap/cm-appvars. */
const ref = (o: ObjRef) => `${o.kind.toLowerCase()}${o.group ? '.' + o.group : ''}/${o.name}`;

const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

let c: Cluster;
let applied: KubectlResult;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const rows = async (args: string[]) => (await k([...args, '--no-headers'])).stdout.trim().split('\n').filter((l) => l !== '').map((l) => l.split(/\s{2,}/));
/** table runs kubectl and reads its table (harness parseTable). */
const table = async (args: string[]): Promise<KubectlTable> => parseTable((await k(args)).stdout);
const row = async (args: string[]) => (await table(args)).rows[0] ?? {};
const podRow = async (name: string) => (await rows(['get', 'pod', name]))[0] ?? [];
interface PodInfo { metadata: { name: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] }; spec: { nodeName?: string }; status: { phase?: string } }
const podsOf = async (selector: string): Promise<PodInfo[]> => JSON.parse((await k(['get', 'pods', '-l', selector, '-o', 'json'])).stdout || '{"items":[]}').items;

describeNeeding('examples/: the seeds\' manifests, applied as the README says', { timeout: 25 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 3 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 3, '3 Ready nodes');
    // As the quick start: the folder as it is (kubectl reads the files in name order).
    applied = await kubectl(c, ['apply', '-f', EXAMPLES]);
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('there is one file per example, each named after its kind and what it shows', () => {
    assert.ok(files.length >= 15, files.join(' '));
    for (const f of files) {
      const kinds = new Set(objectsOf(f).filter((o) => o.kind !== 'Service').map((o) => o.kind.toLowerCase()));
      assert.equal(kinds.size, 1, `${f}: one kind of workload per file`);
      assert.ok(f.startsWith(`${[...kinds][0]}-`), `${f} starts with its kind`);
    }
  });

  for (const file of files) {
    const objs = objectsOf(file);
    it(`${file}: ${objs.map(ref).join(', ')} accepted`, async () => {
      for (const o of objs) {
        assert.match(applied.stdout, new RegExp(`^${ref(o).replace(/\./g, '\\.')} created$`, 'm'), applied.stderr);
        const got = await k(['get', ref(o), '-o', 'jsonpath={.metadata.name}']);
        assert.equal(got.stdout, o.name, got.stderr);
      }
    });
  }

  it('no API version is one Kubernetes 1.32 no longer serves', () => {
    assert.doesNotMatch(applied.stderr, /no matches for kind|ensure CRDs are installed/);
    for (const f of files) for (const d of parseAllDocuments(readFileSync(join(EXAMPLES, f), 'utf8'))) {
      assert.match((d.toJS() as { apiVersion: string }).apiVersion, /^(v1|apps\/v1|batch\/v1|autoscaling\/v2)$/, f);
    }
  });

  it('seed 004 (pod-cm-test-pod): the pod prints the ConfigMap\'s values as environment variables and completes', async () => {
    await waitFor(async () => (await podRow('cm-test-pod'))[2] === 'Completed', 'cm-test-pod Completed', 240);
    assert.deepEqual((await podRow('cm-test-pod')).slice(0, 4), ['cm-test-pod', '0/1', 'Completed', '0']);
    const logs = (await k(['logs', 'cm-test-pod'])).stdout.trim().split('\n').sort();
    assert.deepEqual(logs, ['APPDATADIR=/var/data', 'APPLOGLEVEL=info']);
  });

  it('seed 004 (pod-busybox): busybox runs, and kubectl exec reaches it', async () => {
    await waitFor(async () => (await podRow('busybox'))[2] === 'Running', 'busybox Running', 240);
    const r = await k(['exec', 'busybox', '--', 'sh', '-c', 'echo $(hostname) is up']);
    assert.equal(r.stdout, 'busybox is up\n', r.stderr);
  });

  it('seed 004 (pod-liveness-exec): the exec liveness probe fails once /tmp/health is gone and the container is restarted', async () => {
    await waitFor(async () => Number((await podRow('liveness-exec'))[3]?.split(' ')[0]) >= 1, 'a restart of liveness-exec', 720);
    const d = (await k(['describe', 'pod', 'liveness-exec'])).stdout;
    assert.match(d, /Liveness:\s+exec \[cat \/tmp\/health\] delay=15s timeout=1s period=10s #success=1 #failure=3/);
    // The host's own cat answers (coreutils here, busybox in the book): the wording differs slightly.
    assert.match(d, /Warning\s+Unhealthy\s+.*Liveness probe failed: cat: .*\/tmp\/health.*No such file or directory/);
    assert.match(d, /Normal\s+Killing\s+.*Container liveness failed liveness probe, will be restarted/);
  });

  it('seed 002 (pod-nginx): the nginx pod runs with its own IP, where NGINX answers', async () => {
    await waitFor(async () => (await podRow('nginx'))[2] === 'Running', 'nginx Running', 240);
    const pod = JSON.parse((await k(['get', 'pod', 'nginx', '-o', 'json'])).stdout);
    assert.notEqual(pod.status.podIP, pod.status.hostIP);
    const wide = (await rows(['get', 'pod', 'nginx', '-o', 'wide']))[0];
    assert.deepEqual([wide[0], wide[1], wide[2], wide[5], wide[6]], ['nginx', '1/1', 'Running', pod.status.podIP, pod.spec.nodeName]);
    await waitFor(async () => (await podRow('busybox'))[2] === 'Running', 'busybox Running', 240);
    const page = await k(['exec', 'busybox', '--', 'wget', '-q', '-O', '-', `http://${pod.status.podIP}/`]);
    assert.match(page.stdout, /<title>Welcome to nginx!<\/title>/, page.stderr);
  });

  it('seed 001 (pod-kubia-liveness): the HTTP GET liveness probe restarts kubia-unhealthy; describe shows 137, Unhealthy and Killing', async () => {
    await waitFor(async () => Number((await podRow('kubia-liveness'))[3]?.split(' ')[0]) >= 1, 'a restart of kubia-liveness', 960);
    const d = (await k(['describe', 'pod', 'kubia-liveness'])).stdout;
    assert.match(d, /Liveness:\s+http-get http:\/\/:8080\/ delay=0s timeout=1s period=10s #success=1 #failure=3/);
    assert.match(d, /Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+137/);
    assert.match(d, /Warning\s+Unhealthy\s+.*Liveness probe failed: HTTP probe failed with statuscode: 500/);
    assert.match(d, /Normal\s+Killing\s+.*Container kubia failed liveness probe, will be restarted/);
    const prev = await k(['logs', 'kubia-liveness', '--previous']);
    assert.match(prev.stdout, /Kubia server starting/, prev.stderr);
  });

  it('seed 004 (pod-with-healthcheck): NGINX runs with a TCP socket liveness probe on port 80', async () => {
    await waitFor(async () => (await podRow('pod-with-healthcheck'))[1] === '1/1', 'pod-with-healthcheck ready', 240);
    const d = (await k(['describe', 'pod', 'pod-with-healthcheck'])).stdout;
    assert.match(d, /Liveness:\s+tcp-socket :80 delay=30s timeout=1s period=10s #success=1 #failure=3/);
  });

  it('seed 004 (pod-cm-test-app): the ConfigMap\'s two keys are files server.xml and logging.properties in /configfiles', async () => {
    await waitFor(async () => (await podRow('cm-test-app'))[2] === 'Running', 'cm-test-app Running', 240);
    assert.equal((await k(['exec', 'cm-test-app', '--', 'ls', '/configfiles'])).stdout, 'logging.properties\nserver.xml\n');
    const cm = JSON.parse((await k(['get', 'configmap', 'cm-appconfigfiles', '-o', 'json'])).stdout);
    const xml = (await k(['exec', 'cm-test-app', '--', 'cat', '/configfiles/server.xml'])).stdout;
    assert.ok(xml.startsWith(`<?xml version='1.0' encoding='utf-8'?>\n<Server port="8005" shutdown="SHUTDOWN">`), xml.slice(0, 100));
    assert.equal(xml, cm.data['key-serverxml']);
    assert.equal((await k(['exec', 'cm-test-app', '--', 'cat', '/configfiles/logging.properties'])).stdout, cm.data['key-loggingproperties']);
  });

  it('replicationcontroller-kubia: the ReplicationController keeps three kubia pods, replacing a deleted one', async () => {
    const owned = async () => (await podsOf('app=kubia')).filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'ReplicationController' && r.name === 'kubia'));
    await waitFor(async () => (await owned()).length === 3, 'three kubia pods');
    const rc = await row(['get', 'rc', 'kubia']);
    assert.deepEqual([rc.NAME, rc.DESIRED, rc.CURRENT], ['kubia', '3', '3']);
    const victim = (await owned())[0].metadata.name;
    const del = await k(['delete', 'pod', victim, '--wait=false']);
    assert.equal(del.stdout, `pod "${victim}" deleted\n`, del.stderr);
    // The controller does not count a terminating pod: a third one appears beside the two left.
    await waitFor(async () => (await owned()).filter((p) => p.metadata.name !== victim).length === 3, 'a replacement for the deleted kubia pod');
  });

  it('replicationcontroller-kubia: the three kubia pods are Running and Ready (kubectl get rc: 3 3 3)', async () => {
    await waitFor(async () => {
      const rc = await row(['get', 'rc', 'kubia']);
      return [rc.DESIRED, rc.CURRENT, rc.READY].join(' ') === '3 3 3';
    }, 'kubia 3/3 ready', 240);
  });

  it('seed 002 (deployment-nginx): the Deployment creates a ReplicaSet and three nginx pods', async () => {
    await waitFor(async () => (await rows(['get', 'replicasets', '-l', 'app=nginx'])).length === 1, 'the nginx ReplicaSet');
    const [rs] = await rows(['get', 'replicasets', '-l', 'app=nginx']);
    assert.match(rs[0], /^nginx-[a-z0-9]{8,10}$/);
    // The autoscaler may lower replicas from 3 (the seed ends with one pod), never below its minimum of 1.
    await waitFor(async () => {
      const want = Number((await k(['get', 'deployment', 'nginx', '-o', 'jsonpath={.spec.replicas}'])).stdout);
      const pods = (await podsOf('app=nginx')).filter((p) => p.metadata.name.startsWith(`${rs[0]}-`));
      return want >= 1 && pods.length === want;
    }, 'the nginx pods of the ReplicaSet');
  });

  it('seed 002 (deployment-nginx): kubectl get deployment nginx shows every replica ready', async () => {
    await waitFor(async () => {
      const [ready, want] = ((await row(['get', 'deployment', 'nginx'])).READY ?? '0/0').split('/');
      return Number(want) >= 1 && ready === want;
    }, 'nginx ready', 240);
  });

  it('seed 002 (horizontalpodautoscaler-nginx): kubectl get hpa shows the autoscaler of Deployment/nginx, 1 to 10 pods', async () => {
    const hpa = await row(['get', 'hpa', 'nginx']);
    assert.deepEqual([hpa.NAME, hpa.REFERENCE, hpa.MINPODS, hpa.MAXPODS], ['nginx', 'Deployment/nginx', '1', '10']);
    assert.match(hpa.TARGETS, /\/50%$/);
  });

  it('seed 001 (daemonset-ssd-monitor): a pod runs only on nodes labelled disk=ssd', async () => {
    const ds = await row(['get', 'ds', 'ssd-monitor']);
    assert.deepEqual([ds.DESIRED, ds.CURRENT, ds.READY, ds['UP-TO-DATE'], ds.AVAILABLE, ds['NODE SELECTOR']], ['0', '0', '0', '0', '0', 'disk=ssd']);
    assert.equal((await podsOf('app=ssd-monitor')).length, 0);
    await k(['label', 'node', 'host03', 'disk=ssd']);
    await waitFor(async () => (await podsOf('app=ssd-monitor')).some((p) => p.spec.nodeName === 'host03' && p.status.phase === 'Running'), 'ssd-monitor running on host03');
    const pod = (await podsOf('app=ssd-monitor'))[0].metadata.name;
    await waitFor(async () => (await k(['logs', pod])).stdout.includes('SSD OK'), 'SSD OK in the logs');
    await k(['label', 'node', 'host03', 'disk=hdd', '--overwrite']);
    await waitFor(async () => (await podsOf('app=ssd-monitor')).length === 0, 'ssd-monitor gone from host03');
    assert.equal((await row(['get', 'ds', 'ssd-monitor'])).DESIRED, '0');
  });

  const schedules = [['hourly-date', '0 * * * *'], ['batch-job-every-fifteen-minutes', '0,15,30,45 * * * *'], ['sleep', '0 3 * * *']];
  it('seeds 000, 001, 002 (cronjob-*): kubectl get cronjobs lists the three schedules', async () => {
    const got = new Map((await table(['get', 'cronjobs'])).rows.map((r) => [r.NAME, r]));
    for (const [name, schedule] of schedules) {
      const r = got.get(name);
      assert.ok(r, `${name} listed`);
      assert.equal(r.SCHEDULE, schedule);
    }
  });

  it('seed 001 (cronjob-batch-job-every-fifteen-minutes): kubectl get cronjob prints its row as the seed (1.32 adds TIMEZONE)', async () => {
    const t = await table(['get', 'cronjob', 'batch-job-every-fifteen-minutes']);
    assert.deepEqual(t.header, ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    const r = t.rows[0];
    assert.deepEqual([r.NAME, r.SCHEDULE, r.TIMEZONE, r.SUSPEND], ['batch-job-every-fifteen-minutes', '0,15,30,45 * * * *', '<none>', 'False']);
    // Unless the test runs across a quarter hour, nothing ran yet.
    if (r['LAST SCHEDULE'] === '<none>') assert.equal(r.ACTIVE, '0');
  });

  it('seed 000 (job-counter): the counter Job completes and its logs count to three', async () => {
    await waitFor(async () => (await row(['get', 'job', 'counter'])).COMPLETIONS === '1/1', 'counter 1/1', 480);
    assert.equal((await k(['logs', 'jobs/counter'])).stdout, '1\n2\n3\n');
  });

  it('seed 002 (job-sleep): the sleep Job\'s pod runs for 30 s, then the Job is 1/1 and the pod Completed', async () => {
    await waitFor(async () => (await row(['get', 'job', 'sleep'])).COMPLETIONS === '1/1', 'sleep 1/1', 720);
    const pods = await rows(['get', 'pods', '-l', 'job-name=sleep']);
    assert.equal(pods.length, 1);
    assert.deepEqual(pods[0].slice(1, 3), ['0/1', 'Completed']);
  });

  it('seed 001 (job-batch-job): the batch job works two minutes, then the Job is 1/1 and the pod Completed', async () => {
    await waitFor(async () => (await row(['get', 'job', 'batch-job'])).COMPLETIONS === '1/1', 'batch-job 1/1', 1440);
    const pods = await rows(['get', 'pods', '-l', 'job-name=batch-job']);
    assert.equal(pods.length, 1);
    assert.deepEqual(pods[0].slice(1, 3), ['0/1', 'Completed']);
    assert.match((await k(['logs', pods[0][0]])).stdout, /^.+ Batch job starting\n.+ Finished succesfully\n$/);
  });

  it('seed 001 (job-multi-completion-parallel-batch-job): five completions, never more than two pods at a time', async () => {
    let most = 0;
    await waitFor(async () => {
      const pods = await rows(['get', 'pods', '-l', 'job-name=multi-completion-parallel-batch-job']);
      most = Math.max(most, pods.filter((p) => p[2] === 'Running').length);
      return (await row(['get', 'job', 'multi-completion-parallel-batch-job'])).COMPLETIONS === '5/5';
    }, 'multi-completion-parallel-batch-job 5/5', 2880);
    assert.ok(most >= 1 && most <= 2, `at most two pods ran at once (saw ${most})`);
    const pods = await rows(['get', 'pods', '-l', 'job-name=multi-completion-parallel-batch-job']);
    assert.equal(pods.filter((p) => p[2] === 'Completed').length, 5);
  });

  it('seed 004 (job-process-items): one Job per work item, each completing', async () => {
    await waitFor(async () => (await table(['get', 'jobs', '-l', 'jobgroup=jobexample'])).rows.filter((r) => r.COMPLETIONS === '1/1').length === 3, 'three jobs 1/1', 480);
    assert.equal((await k(['logs', 'jobs/process-item-banana'])).stdout, 'Processing item banana\n');
  });

  it('seed 002 (statefulset-sleep): sleep-0 and sleep-1 each keep their own storage, also across a replacement', async () => {
    for (const p of ['sleep-0', 'sleep-1']) await waitFor(async () => (await podRow(p))[2] === 'Running', `${p} Running`, 480);
    for (const p of ['sleep-0', 'sleep-1']) {
      await k(['exec', p, '--', '/bin/sh', '-c', 'hostname > /storagedir/myhost']);
      assert.equal((await k(['exec', p, '--', '/bin/cat', '/storagedir/myhost'])).stdout, `${p}\n`);
    }
    const uid = (await k(['get', 'pod', 'sleep-0', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    await k(['delete', 'pod', 'sleep-0']);
    await waitFor(async () => (await k(['get', 'pod', 'sleep-0', '-o', 'jsonpath={.metadata.uid}'])).stdout !== uid && (await podRow('sleep-0'))[2] === 'Running', 'a new sleep-0', 480);
    assert.equal((await k(['exec', 'sleep-0', '--', '/bin/cat', '/storagedir/myhost'])).stdout, 'sleep-0\n');
  });
});
