// End-to-end: what a pod shows its user through the real kubectl — logs with --tail, --timestamps,
// --since, --since-time and -f; kubectl attach, with and without stdin; the downward API in env and
// in a volume (which follows label changes); and a projected service-account token, which tskube
// cannot issue yet, failing the mount with an event instead of leaving an empty token.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCluster, kubectl, kubectlStream, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const phase = async (pod: string) => (await k(['get', 'pod', pod, '-o', 'jsonpath={.status.phase}'])).stdout;
const running = (pod: string) => waitFor(async () => (await phase(pod)) === 'Running', `${pod} Running`);
/** TIMESTAMPED is a line of `kubectl logs --timestamps`: RFC 3339 with nanoseconds, a space, the line. */
const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)$/;

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('what a pod shows its user: logs, attach, the downward API', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 1 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('logs of a finished container: all of it, --tail, --timestamps, --since-time and --since', async () => {
    // Two bursts four seconds apart: --since-time at the second burst (whole seconds on the wire) excludes the first.
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: chatter}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "for i in 1 2 3; do echo early $i; done; sleep 4; for i in 1 2 3; do echo late $i; done"]
`);
    await waitFor(async () => (await phase('chatter')) === 'Succeeded', 'chatter Succeeded');
    const all = 'early 1\nearly 2\nearly 3\nlate 1\nlate 2\nlate 3\n';
    let r = await k(['logs', 'chatter']);
    assert.deepEqual([r.code, r.stdout], [0, all], r.stderr);
    r = await k(['logs', 'chatter', '--tail=2']);
    assert.equal(r.stdout, 'late 2\nlate 3\n');
    r = await k(['logs', 'chatter', '--tail=0']);
    assert.deepEqual([r.code, r.stdout], [0, '']);

    r = await k(['logs', 'chatter', '--timestamps']);
    const stamped = r.stdout.trimEnd().split('\n').map((l) => TIMESTAMPED.exec(l));
    assert.ok(stamped.every(Boolean), r.stdout);
    assert.equal(stamped.map((m) => `${m![2]}\n`).join(''), all);
    const times = stamped.map((m) => Date.parse(m![1]));
    for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], `timestamps in order: ${r.stdout}`);
    assert.ok(times[3] - times[2] >= 3000, `the sleep shows between the bursts: ${r.stdout}`);
    r = await k(['logs', 'chatter', '--timestamps', '--tail=1']);
    assert.equal(r.stdout, `${stamped[5]![0]}\n`);

    r = await k(['logs', 'chatter', `--since-time=${stamped[3]![1]}`]);
    assert.deepEqual([r.code, r.stdout], [0, 'late 1\nlate 2\nlate 3\n'], r.stderr);
    r = await k(['logs', 'chatter', '--since=1h']);
    assert.equal(r.stdout, all);
    // Once the last line is more than two seconds old, --since=2s shows nothing (lines only get older).
    await waitFor(async () => Date.now() - times[5] > 3000, 'the last line three seconds old');
    r = await k(['logs', 'chatter', '--since=2s']);
    assert.deepEqual([r.code, r.stdout], [0, ''], r.stderr);
  });

  it('logs -f shows what a running container prints after it started, and ends when the container exits', async () => {
    const go = `/tmp/tskube-go-${randomBytes(6).toString('hex')}`;
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: follow}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo start; while [ ! -e ${go} ]; do sleep 0.2; done; for i in 1 2 3; do echo after $i; done"]
`);
    await running('follow');
    const f = kubectlStream(c, ['logs', '-f', 'follow']);
    try {
      await waitFor(async () => f.stdout() === 'start\n', 'logs -f shows the first line');
      const r = await k(['exec', 'follow', '--', 'touch', go]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await f.exited, 0, f.stderr());
      assert.equal(f.stdout(), 'start\nafter 1\nafter 2\nafter 3\n');
    } finally {
      await f.kill();
    }
  });

  it('kubectl attach -i: stdin reaches the container, its output comes back; with stdinOnce the container ends', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: main
    image: busybox
    stdin: true
    command: ["sh", "-c", "while read line; do echo \\"got: $line\\"; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    stdin: true
    stdinOnce: true
    command: ["sh", "-c", "wc -l"]
`);
    await running('reader');
    let r = await k(['attach', 'reader', '-i'], 'hello\nworld\n');
    assert.deepEqual([r.code, r.stdout], [0, 'got: hello\ngot: world\n'], r.stderr);
    // the container keeps running (its stdin stays open for the next attach)
    assert.equal(await phase('reader'), 'Running');
    await running('once');
    r = await k(['attach', 'once', '-i'], 'x\ny\nz\n');
    assert.deepEqual([r.code, r.stdout.trim()], [0, '3'], r.stderr);
    await waitFor(async () => (await phase('once')) === 'Succeeded', 'once Succeeded after its stdin closed');
    assert.equal((await k(['logs', 'once'])).stdout.trim(), '3');
  });

  it('kubectl run --rm -i with a short command prints all its output, every time', async () => {
    // kubectl attaches once it sees the pod Running; the command may have printed, or ended, by then.
    // With the pause, the attach comes between the lines: the first is held for it.
    const scripts = ['echo first; echo second; echo third', 'echo first; sleep 2; echo second; echo third'];
    for (let i = 0; i < 6; i++) {
      const r = await k(['run', `short-${i}`, '--rm', '-i', '--restart=Never', '--image=busybox', '--', 'sh', '-c', scripts[i % 2]]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.replace(/^pod "short-\d+" deleted\n/m, ''), 'first\nsecond\nthird\n', `run ${i}: ${r.stderr}`);
    }
  });

  it('kubectl attach without -i streams what the container prints from then on, not its past output', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "i=1; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done"]
`);
    await running('ticker');
    await waitFor(async () => /tick 3\n/.test((await k(['logs', 'ticker'])).stdout), 'three ticks logged');
    const ticks = (s: string) => [...s.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1]));
    const before = Math.max(...ticks((await k(['logs', 'ticker'])).stdout));
    const a = kubectlStream(c, ['attach', 'ticker']);
    try {
      await waitFor(async () => ticks(a.stdout()).length >= 2, 'attach shows ticks');
      const seen = ticks(a.stdout());
      assert.ok(seen[0] > before, `attach replayed old output: logs ended at tick ${before}, attach began with ${seen[0]}`);
      for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 1, a.stdout());
    } finally {
      await a.kill();
    }
  });

  it('the downward API: pod fields and resource limits in env; labels and annotations in a volume, following a label change', async () => {
    const r0 = await k(['create', '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: downward
  labels: {app: dw, tier: back}
  annotations: {build: "42"}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "env | grep ^MY_ | sort; sleep 3600"]
    resources:
      limits: {memory: 64Mi, cpu: 250m}
    env:
    - {name: MY_POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MY_POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: MY_POD_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
    - {name: MY_NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: MY_SERVICE_ACCOUNT, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
    - {name: MY_POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MY_HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
    - {name: MY_TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
    - {name: MY_MEM_LIMIT_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: MY_CPU_LIMIT_M, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
    volumeMounts: [{name: podinfo, mountPath: /etc/podinfo}]
  volumes:
  - name: podinfo
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
`);
    assert.equal(r0.code, 0, r0.stderr);
    await running('downward');
    const pod = JSON.parse((await k(['get', 'pod', 'downward', '-o', 'json'])).stdout);
    const env = await waitFor(async () => { const l = (await k(['logs', 'downward'])).stdout; return l.includes('MY_TIER') && l; }, 'the env printed');
    assert.equal(env, [
      'MY_CPU_LIMIT_M=250', 'MY_HOST_IP=' + pod.status.hostIP, 'MY_MEM_LIMIT_MI=64', 'MY_NODE_NAME=host01', 'MY_POD_IP=' + pod.status.podIP,
      'MY_POD_NAME=downward', 'MY_POD_NAMESPACE=default', 'MY_POD_UID=' + pod.metadata.uid, 'MY_SERVICE_ACCOUNT=default', 'MY_TIER=back',
    ].join('\n') + '\n');
    assert.ok(pod.status.podIP && pod.status.hostIP, JSON.stringify(pod.status));

    let r = await k(['exec', 'downward', '--', 'cat', '/etc/podinfo/labels']);
    assert.deepEqual([r.code, r.stdout], [0, 'app="dw"\ntier="back"'], r.stderr);
    r = await k(['exec', 'downward', '--', 'cat', '/etc/podinfo/annotations']);
    assert.match(r.stdout, /^build="42"$/m);
    r = await k(['exec', 'downward', '--', 'cat', '/etc/podinfo/name']);
    assert.equal(r.stdout, 'downward');
    r = await k(['label', 'pod', 'downward', 'tier=front', '--overwrite']);
    assert.equal(r.stdout.trim(), 'pod/downward labeled');
    await waitFor(async () => (await k(['exec', 'downward', '--', 'cat', '/etc/podinfo/labels'])).stdout === 'app="dw"\ntier="front"', 'the volume shows the new label');
  });

  it('a projected serviceAccountToken volume holds a token for the pod, for its audience', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: wants-token}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts: [{name: token, mountPath: /var/run/secrets/tokens}]
  volumes:
  - name: token
    projected:
      sources:
      - serviceAccountToken: {path: token, audience: vault, expirationSeconds: 3600}
`);
    await running('wants-token');
    const token = (await k(['exec', 'wants-token', '--', 'cat', '/var/run/secrets/tokens/token'])).stdout;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { aud: string[]; sub: string; 'kubernetes.io': { pod: { name: string } } };
    assert.deepEqual(claims.aud, ['vault']);
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims['kubernetes.io'].pod.name, 'wants-token');
  });
});
