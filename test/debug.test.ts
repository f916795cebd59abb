// End-to-end: `kubectl debug` (ephemeral containers, pod copies, node debugging) and `kubectl attach`
// with the real kubectl against `tskube up`. Interactive sessions get their input piped in.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCluster, kubectl, kubectlEnv, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
/** output drops kubectl debug's notes (printed on stdout before the session) from what the container printed. */
const output = (stdout: string) => stdout.split('\n').filter((l) => !/^(Targeting container|Defaulting debug container|Creating debugging pod)/.test(l)).join('\n');
const k = (args: string[], input?: string) => kubectl(c, args, { input, timeoutMs: 90_000 });
const jsonpath = async (args: string[], path: string) => (await k([...args, '-o', `jsonpath=${path}`])).stdout;

interface EphemeralStatus { name: string; ready: boolean; state: { running?: object; terminated?: { exitCode: number } } }
const ephemeralStatus = async (pod: string, name: string): Promise<EphemeralStatus | undefined> => {
  const out = await jsonpath(['get', 'pod', pod], '{.status.ephemeralContainerStatuses}');
  return (out ? JSON.parse(out) as EphemeralStatus[] : []).find((s) => s.name === name);
};

/**
 * onTerminal runs kubectl on a pseudo-terminal (util-linux's `script`), as a user types: each line
 * is sent once the output so far matches its `after`; resolves with all output and the exit code.
 */
function onTerminal(args: string[], lines: { after: RegExp; send: string }[]): Promise<{ code: number | null; output: string }> {
  const cmd = ['kubectl', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  // The terminal is 123x45: kubectl sends its size, the container's terminal takes it.
  const p = spawn('script', ['-qec', `stty cols 123 rows 45; ${cmd}`, '/dev/null'], { env: kubectlEnv(c), stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let next = 0;
  const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
  const feed = () => {
    while (next < lines.length && lines[next].after.test(output)) p.stdin.write(lines[next++].send);
  };
  p.stdout.on('data', (d) => { output += d; feed(); });
  p.stderr.on('data', (d) => { output += d; });
  return new Promise((resolve) => p.on('close', (code) => { clearTimeout(timer); p.stdin.destroy(); resolve({ code, output }); }));
}

// Needs root (the debug container joins its target's PID namespace) and the real kubectl.
describeNeeding('kubectl debug and kubectl attach', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'host01 Ready');
    const r = await k(['run', 'web', '--image=busybox', '--', 'sh', '-c', 'echo started; sleep 3600']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await jsonpath(['get', 'pod', 'web'], '{.status.phase}')) === 'Running', 'pod web Running');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('kubectl debug --target runs a command in the target\'s process namespace, with stdin', async () => {
    const r = await k(['debug', '-i', 'web', '--image=busybox', '--target=web', '--container=dbg1', '--',
      'sh', '-c', 'read line; echo "got $line"; tr "\\0" " " < /proc/1/cmdline; echo'], 'hello\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Targeting container "web"\. If you don't see processes from this container it may be because the container runtime doesn't support this feature\.$/m);
    // The debugger sees the target's PID 1: the pod's own `sleep` (sh execs its last command).
    assert.deepEqual(output(r.stdout).trim().split('\n'), ['got hello', 'sleep 3600']);
    const spec = JSON.parse(await jsonpath(['get', 'pod', 'web'], '{.spec.ephemeralContainers[0]}'));
    assert.deepEqual([spec.name, spec.image, spec.targetContainerName, spec.stdin, spec.imagePullPolicy], ['dbg1', 'busybox', 'web', true, 'Always']);
    const st = await waitFor(async () => { const s = await ephemeralStatus('web', 'dbg1'); return s?.state.terminated ? s : undefined; }, 'dbg1 terminated');
    assert.deepEqual([st.ready, st.state.terminated?.exitCode], [false, 0]);
    // The pod itself goes on, its container untouched.
    assert.deepEqual((await jsonpath(['get', 'pod', 'web'], '{.status.phase} {.status.containerStatuses[0].restartCount}')).split(' '), ['Running', '0']);
  });

  it('kubectl exec of a command the container does not have fails as runc says, exit code 1', async () => {
    const r = await k(['exec', 'web', '--', 'nosuchcmd', '--flag']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in \$PATH: unknown$/m);
    const abs = await k(['exec', 'web', '--', '/bin/nosuch']);
    assert.equal(abs.code, 1, abs.stderr);
    assert.match(abs.stderr, /unable to start container process: exec: "\/bin\/nosuch": stat \/bin\/nosuch: no such file or directory: unknown$/m);
    // a command it has runs, and its own exit code is the one kubectl reports
    const ok = await k(['exec', 'web', '--', 'sh', '-c', 'exit 3']);
    assert.equal(ok.code, 3, ok.stderr);
    assert.match(ok.stderr, /command terminated with exit code 3/);
  });

  it('a liveness probe whose command the container does not have errors: events say so, the container is never restarted', async () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad-probe' },
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'], livenessProbe: { exec: { command: ['invalid'] }, periodSeconds: 1 } }] },
    };
    assert.equal((await k(['apply', '-f', '-'], JSON.stringify(pod))).code, 0);
    const message = 'Liveness probe errored and resulted in unknown state: rpc error: code = Unknown desc = failed to exec in container: failed to start exec';
    const events = await waitFor(async () => {
      const out = (await k(['get', 'events', '--field-selector', 'involvedObject.name=bad-probe,reason=Unhealthy', '-o', 'jsonpath={range .items[*]}{.count} {.message}{"\\n"}{end}'])).stdout;
      // each attempt's message names a fresh exec id: one event each (the recorder aggregates after 10)
      return out.split('\n').filter((l) => l.includes(message)).length >= 4 ? out : undefined;
    }, 'four errored liveness attempts');
    assert.match(events, /unable to start container process: exec: "invalid": executable file not found in \$PATH: unknown/);
    // more than failureThreshold (3) attempts went by, and none counted
    assert.deepEqual((await jsonpath(['get', 'pod', 'bad-probe'], '{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}')).split(' '), ['0', 'true']);
    await k(['delete', 'pod', 'bad-probe', '--grace-period=0', '--force']);
  });

  it('the ephemeral containers walkthrough: pause has no shell to exec, a debug container targets it', async () => {
    assert.equal((await k(['run', 'ephemeral-demo', '--image=registry.k8s.io/pause:3.1', '--restart=Never'])).code, 0);
    await waitFor(async () => (await jsonpath(['get', 'pod', 'ephemeral-demo'], '{.status.phase}')) === 'Running', 'ephemeral-demo Running');
    const sh = await k(['exec', '-i', 'ephemeral-demo', '--', 'sh'], '');
    assert.equal(sh.code, 1);
    assert.match(sh.stderr, /unable to start container process: exec: "sh": executable file not found in \$PATH: unknown$/m);
    // The shell reads its commands from kubectl's stdin, as the page's `-it` session does: output
    // that came before the attach would be lost to it, as on Kubernetes (only the logs keep it).
    const r = await k(['debug', '-i', 'ephemeral-demo', '--image=busybox:1.28', '--target=ephemeral-demo', '--', 'sh'], 'tr "\\0" " " < /proc/1/cmdline; echo\n');
    assert.equal(r.code, 0, r.stderr);
    // the debugger sees the target's PID 1: pause's /pause (a script here, run by its shell)
    assert.match(output(r.stdout), /\/pause/);
    await k(['delete', 'pod', 'ephemeral-demo', '--wait=false']);
  });

  it('an interactive shell: commands typed in are run, its exit ends the session', async () => {
    const r = await k(['debug', '-i', 'web', '--image=busybox', '--target=web', '--container=shell'], 'echo from-shell\nexit 3\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(output(r.stdout), 'from-shell\n');
    const st = await waitFor(async () => { const s = await ephemeralStatus('web', 'shell'); return s?.state.terminated ? s : undefined; }, 'shell terminated');
    assert.equal(st.state.terminated?.exitCode, 3);
    const logs = await k(['logs', 'web', '-c', 'shell']);
    assert.equal(logs.stdout, 'from-shell\n');
  });

  it('kubectl debug -it opens a shell on a terminal: prompt, echo, the target\'s processes', async () => {
    const r = await onTerminal(['debug', '-it', 'web', '--image=busybox', '--target=web', '--container=tty'], [
      // The shell printed its first prompt before kubectl attached: as kubectl says, press enter.
      { after: /try pressing enter\./, send: '\r' },
      { after: /# /, send: 'echo $((6*7))\r' },
      { after: /\r\n42\r\n[^]*# /, send: 'ps -o pid,comm | grep -c sleep\r' },
      { after: /\r\n1\r\n[^]*# /, send: 'stty size\r' },
      { after: /\r\n45 123\r\n[^]*# /, send: 'exit 4\r' },
    ]);
    assert.match(r.output, /If you don't see a command prompt, try pressing enter\./);
    assert.match(r.output, /\r\n42\r\n/, r.output);
    assert.match(r.output, /\r\n45 123\r\n/, r.output);
    assert.match(r.output, /Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach web -c tty -i -t' if it is still running/);
    const st = await waitFor(async () => { const s = await ephemeralStatus('web', 'tty'); return s?.state.terminated ? s : undefined; }, 'tty terminated');
    assert.equal(st.state.terminated?.exitCode, 4);
  });

  it('the API refuses what an ephemeral container may not have, with Kubernetes\' messages', async () => {
    const bad = await k(['debug', 'web', '--image=busybox', '--target=nope', '--', 'true']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /The Pod "web" is invalid: spec\.ephemeralContainers\[3\]\.targetContainerName: Not found: "nope"/);
    const ports = await k(['patch', 'pod', 'web', '--subresource=ephemeralcontainers', '-p',
      '{"spec":{"ephemeralContainers":[{"name":"p","image":"busybox","ports":[{"containerPort":80}],"livenessProbe":{"exec":{"command":["true"]}}}]}}']);
    assert.equal(ports.code, 1);
    assert.equal(ports.stderr, 'The Pod "web" is invalid: \n'
      + '* spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container\n'
      + '* spec.ephemeralContainers[0].livenessProbe: Forbidden: cannot be set for an Ephemeral Container\n');
    const dup = await k(['patch', 'pod', 'web', '--subresource=ephemeralcontainers', '-p', '{"spec":{"ephemeralContainers":[{"name":"web","image":"busybox"}]}}']);
    assert.match(dup.stderr, /spec\.ephemeralContainers\[0\]\.name: Duplicate value: "web"/);
    const create = await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'eph' },
      spec: { containers: [{ name: 'a', image: 'busybox' }], ephemeralContainers: [{ name: 'd', image: 'busybox' }] },
    }));
    assert.match(create.stderr, /The Pod "eph" is invalid: spec\.ephemeralContainers: Forbidden: cannot be set on create/);
  });

  it('kubectl attach -i reaches a container\'s own stdin and output', async () => {
    const r0 = await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'echo', image: 'busybox', stdin: true, command: ['sh', '-c', 'while read l; do echo "got $l"; done; echo bye'] }] },
    }));
    assert.equal(r0.code, 0, r0.stderr);
    await waitFor(async () => (await jsonpath(['get', 'pod', 'echo'], '{.status.phase}')) === 'Running', 'pod echo Running');
    const r = await k(['attach', '-i', 'echo'], 'a\nb\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got a\ngot b\nbye\n');
    await waitFor(async () => (await jsonpath(['get', 'pod', 'echo'], '{.status.phase}')) === 'Succeeded', 'pod echo Succeeded');
  });

  it('kubectl debug --copy-to makes a copy of the pod with the debug container added', async () => {
    const r = await k(['debug', 'web', '--copy-to=web-copy', '--image=busybox', '--container=dbg', '--', 'sh', '-c', 'echo copy; sleep 600']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await jsonpath(['get', 'pod', 'web-copy'], '{.status.phase}')) === 'Running', 'pod web-copy Running');
    assert.equal(await jsonpath(['get', 'pod', 'web-copy'], '{.spec.containers[*].name}'), 'web dbg');
    await waitFor(async () => (await k(['logs', 'web-copy', '-c', 'dbg'])).stdout === 'copy\n', 'the copy\'s debug container logs');
  });

  it('kubectl debug --copy-to --share-processes: the copy\'s containers share one PID namespace', async () => {
    const r = await k(['debug', 'web', '--copy-to=web-shared', '--share-processes', '--image=busybox', '--container=dbg', '--', 'sleep', '600']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await jsonpath(['get', 'pod', 'web-shared'], '{.spec.shareProcessNamespace}'), 'true');
    await waitFor(async () => (await jsonpath(['get', 'pod', 'web-shared'], '{.status.phase}')) === 'Running', 'pod web-shared Running');
    const ps = await k(['exec', 'web-shared', '-c', 'dbg', '--', 'sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < $f; echo; done']);
    assert.equal(ps.code, 0, ps.stderr);
    const lines = ps.stdout.split('\n').map((l) => l.trim());
    assert.ok(lines.includes('sleep 3600') && lines.includes('sleep 600'), ps.stdout);
  });

  it('kubectl debug node/NAME runs a pod in the node\'s namespaces with its / at /host', async () => {
    const hostname = (await import('node:os')).hostname();
    const r = await k(['debug', 'node/host01', '-i', '--image=busybox'], 'cat /host/etc/hostname; cat /proc/1/cmdline | tr "\\0" " " | cut -c1-64; echo\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Creating debugging pod node-debugger-host01-\w+ with container debugger on node host01\.$/m);
    const [name, pid1] = output(r.stdout).trim().split('\n');
    assert.equal(name, (await import('node:fs')).readFileSync('/etc/hostname', 'utf8').trim() || hostname);
    // hostPID: the node's PID 1, not the container's shell.
    assert.equal(pid1.trim(), (await import('node:fs')).readFileSync('/proc/1/cmdline', 'utf8').split('\0').join(' ').slice(0, 64).trim());
    const pod = JSON.parse((await k(['get', 'pods', '-o', 'json'])).stdout).items.find((p: { metadata: { name: string } }) => p.metadata.name.startsWith('node-debugger-host01-'));
    assert.deepEqual([pod.spec.hostPID, pod.spec.hostNetwork, pod.spec.nodeName], [true, true, 'host01']);
  });
});
