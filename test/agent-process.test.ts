// End-to-end: `tskube server` and two `tskube agent` processes joined with the node token, driven by
// the real kubectl: nodes Ready, pods run, what a node may not do is refused with Kubernetes' 403
// text, and an agent killed with -9 and started again leaves nothing stale running (checked by PID).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startAgent, startServer, waitFor, type Agent, type Server } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let server: Server;
const agents = new Map<string, Agent>();
const work = mkdtempSync(join(tmpdir(), 'tskube-agents-'));
const rootDir = (name: string) => join(work, name);
const k = (args: string[], input?: string) => kubectl(server, args, { input });
// kubectl as node host01: the admin kubeconfig's cluster, with host01's node credential as the token
const asNode = (args: string[]) => kubectl(server, ['--token', `system:node:host01:${server.nodeToken}`, ...args]);
const podRow = async (name: string) => (await k(['get', 'pod', name, '--no-headers'])).stdout.trim().split(/\s{2,}/);

/** containers reads the agent's container records (as crictl would list them): pod, attempt, phase, host PID. */
function containers(agentRoot: string): { pod: string; attempt: number; phase: string; pid: number }[] {
  const dir = join(agentRoot, 'containers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    try {
      const s = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8'));
      return [{ pod: s.info.config.podName, attempt: s.info.config.attempt, phase: s.info.phase, pid: s.initPid ?? s.info.pid }];
    } catch { return []; }
  });
}

/** alive tells whether a PID runs (a zombie nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

const runningPid = (agent: string, pod: string) => containers(rootDir(agent)).find((c) => c.pod === pod && c.phase === 'running')?.pid;

const pod = (name: string, node: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
${extra}`;

describeNeeding('tskube agent: node agents in their own processes', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    server = await startServer();
    for (const [i, name] of ['host01', 'host02'].entries()) {
      agents.set(name, await startAgent(server, { name, rootDir: rootDir(name), address: `127.0.1.${i + 1}` }));
    }
  }, { timeout: 2 * 60_000 });
  after(async () => {
    for (const a of agents.values()) await a.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('the server writes a node token distinct from the admin token and prints the join command', () => {
    assert.match(server.nodeToken, /^[0-9a-f]{64}$/);
    const admin = readFileSync(join(server.dataDir, 'pki', 'admin.token'), 'utf8').trim();
    assert.notEqual(server.nodeToken, admin);
    assert.equal(server.joinCommand,
      `tskube agent --server ${server.url} --token $(cat ${join(server.dataDir, 'node-token')}) --name NODE --ca-file ${join(server.dataDir, 'pki', 'ca.crt')}`);
  });

  it('both agents register their nodes, Ready in kubectl get nodes', async () => {
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
    const r = await k(['get', 'nodes']);
    assert.match(r.stdout, /^host01\s+Ready\s+<none>\s+\S+\s+v1\.32\.0$/m);
    assert.match(r.stdout, /^host02\s+Ready\s+<none>\s+\S+\s+v1\.32\.0$/m);
    const wide = (await k(['get', 'node', 'host02', '-o', 'wide', '--no-headers'])).stdout;
    assert.match(wide, /^host02\s+Ready\s+\S+\s+\S+\s+v1\.32\.0\s+127\.0\.1\.2\s/);
  });

  it('pods run on the agents; logs and exec reach them through the API server; ConfigMaps reach them', async () => {
    await k(['apply', '-f', '-'], `${pod('sleeper', 'host01')}---
${pod('doomed', 'host01')}---
${pod('other', 'host02')}---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-appvars}
data: {apploglevel: info, appdatadir: /var/data}
---
apiVersion: v1
kind: Pod
metadata: {name: cm-test-pod}
spec:
  nodeSelector: {kubernetes.io/hostname: host02}
  restartPolicy: Never
  containers:
  - name: cm-test
    image: busybox
    command: ["/bin/sh", "-c", "env | grep APP | sort"]
    env:
    - name: APPLOGLEVEL
      valueFrom: {configMapKeyRef: {name: cm-appvars, key: apploglevel}}
    - name: APPDATADIR
      valueFrom: {configMapKeyRef: {name: cm-appvars, key: appdatadir}}
`);
    for (const name of ['sleeper', 'doomed', 'other']) {
      await waitFor(async () => (await podRow(name))[2] === 'Running', `${name} Running`);
    }
    const wide = (await k(['get', 'pod', 'sleeper', '-o', 'wide', '--no-headers'])).stdout.trim().split(/\s+/);
    assert.deepEqual([wide[0], wide[1], wide[2], wide[6]], ['sleeper', '1/1', 'Running', 'host01']);
    // The pod's own address, from host01's podCIDR (the node keeps 127.0.1.1 as status.hostIP).
    const podCIDR = (await k(['get', 'node', 'host01', '-o', 'jsonpath={.spec.podCIDR}'])).stdout;
    assert.equal(wide[5].split('.').slice(0, 3).join('.'), podCIDR.split('.').slice(0, 3).join('.'), `${wide[5]} in ${podCIDR}`);
    const exec = await k(['exec', 'sleeper', '--', 'sh', '-c', 'echo hello from $(hostname)']);
    assert.equal(exec.stdout, 'hello from sleeper\n', exec.stderr);
    await waitFor(async () => (await podRow('cm-test-pod'))[2] === 'Completed', 'cm-test-pod Completed');
    assert.equal((await k(['logs', 'cm-test-pod'])).stdout, 'APPDATADIR=/var/data\nAPPLOGLEVEL=info\n');
  });

  it('the node token is a node: what a kubelet does is allowed, the rest is Forbidden as in Kubernetes', async () => {
    const U = 'User "system:node:host01"';
    const own = await asNode(['get', 'node', 'host01', '--no-headers']);
    assert.equal(own.code, 0, own.stderr);
    const mine = await asNode(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=host01', '--no-headers']);
    assert.equal(mine.code, 0, mine.stderr);
    assert.match(mine.stdout, /^default\s+sleeper\s+1\/1\s+Running/m);

    const cases: [string[], string][] = [
      [['create', 'deployment', 'web', '--image=nginx'],
        `error: failed to create deployment: deployments.apps is forbidden: ${U} cannot create resource "deployments" in API group "apps" in the namespace "default"`],
      [['get', 'secrets', '-A'],
        `Error from server (Forbidden): secrets is forbidden: ${U} cannot list resource "secrets" in API group "" at the cluster scope: can only read namespaced object of this type`],
      [['get', 'nodes'],
        `Error from server (Forbidden): nodes is forbidden: ${U} cannot list resource "nodes" in API group "" at the cluster scope: node 'host01' cannot read all nodes, only its own Node object`],
      [['get', 'pod', 'other'],
        `Error from server (Forbidden): pods "other" is forbidden: ${U} cannot get resource "pods" in API group "" in the namespace "default": no relationship found between node 'host01' and this object`],
      [['delete', 'pod', 'other'],
        'Error from server (Forbidden): pods "other" is forbidden: node "host01" can only delete pods with spec.nodeName set to itself'],
      // kubectl reads the node before patching it: a node may read only its own Node object
      [['patch', 'node', 'host02', '--type=merge', '-p', '{"metadata":{"labels":{"disk":"ssd"}}}'],
        `Error from server (Forbidden): nodes "host02" is forbidden: ${U} cannot get resource "nodes" in API group "" at the cluster scope: node 'host01' cannot read 'host02', only its own Node object`],
      [['get', 'configmap', 'cm-appvars'],
        `Error from server (Forbidden): configmaps "cm-appvars" is forbidden: ${U} cannot get resource "configmaps" in API group "" in the namespace "default": no relationship found between node 'host01' and this object`],
    ];
    for (const [args, want] of cases) {
      const r = await asNode(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.stderr.trim(), want, args.join(' '));
    }
    // The bare node token (no node name in front of it) is no credential at all.
    const bare = await kubectl(server, ['--token', server.nodeToken, 'get', 'pods']);
    assert.equal(bare.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    // Nothing was created behind the refusals.
    assert.match((await k(['get', 'deployments'])).stderr, /No resources found in default namespace\./);
    assert.match((await k(['get', 'pod', 'other', '--no-headers'])).stdout, /^other\s+1\/1\s+Running/);
  });

  it('kill -9 leaves the containers running; the agent started again stops stale ones and restarts its pods', async () => {
    const host01 = agents.get('host01')!;
    const sleeperPid = runningPid('host01', 'sleeper');
    const doomedPid = runningPid('host01', 'doomed');
    assert.ok(sleeperPid && doomedPid, JSON.stringify(containers(rootDir('host01'))));
    const doomedUid = (await k(['get', 'pod', 'doomed', '-o', 'jsonpath={.metadata.uid}'])).stdout;

    await host01.kill9();
    // As with a crashed kubelet, the pods' processes carry on without their agent.
    assert.ok(alive(sleeperPid), 'sleeper keeps running after kill -9');
    assert.ok(alive(doomedPid), 'doomed keeps running after kill -9');
    // While the agent is down, one of its pods is force-deleted: nobody is left to stop it.
    const del = await k(['delete', 'pod', 'doomed', '--force', '--grace-period=0']);
    assert.equal(del.code, 0, del.stderr);
    assert.ok(alive(doomedPid), 'doomed still runs with its agent down');

    agents.set('host01', await startAgent(server, { name: 'host01', rootDir: rootDir('host01'), address: '127.0.1.1' }));
    await waitFor(async () => !alive(sleeperPid) && !alive(doomedPid), 'the previous agent\'s containers stopped');
    // The pod still bound to host01 runs again (restarted, not re-adopted: restartCount 1) ...
    await waitFor(async () => {
      const row = await podRow('sleeper');
      return row[1] === '1/1' && row[2] === 'Running' && row[3]?.startsWith('1 ');
    }, 'sleeper Running again after one restart');
    const newPid = runningPid('host01', 'sleeper');
    assert.ok(newPid && newPid !== sleeperPid && alive(newPid), `a new sleeper process (${newPid})`);
    const last = JSON.parse((await k(['get', 'pod', 'sleeper', '-o', 'jsonpath={.status.containerStatuses[0].lastState.terminated}'])).stdout);
    assert.equal(last.exitCode, 137);
    assert.equal(last.message, 'the node agent restarted and stopped this container');
    // ... and nothing is left of the force-deleted one.
    await waitFor(async () => !containers(rootDir('host01')).some((c) => c.pod === 'doomed') && !existsSync(join(rootDir('host01'), 'pods', doomedUid)), 'doomed cleaned up');
    // host02 was not disturbed.
    assert.match((await k(['get', 'pod', 'other', '--no-headers'])).stdout, /^other\s+1\/1\s+Running\s+0\s/);
  });

  it('SIGHUP (its terminal closed) stops the agent and the containers it runs, as SIGTERM and SIGINT do', async () => {
    const host02 = agents.get('host02')!;
    const pid = runningPid('host02', 'other');
    assert.ok(pid && alive(pid));
    assert.equal(await host02.stop('SIGHUP'), 0, host02.output());
    assert.ok(!alive(pid), 'other stopped with its agent');
    agents.delete('host02');
  });
});
