// End-to-end: pod networks across machines. Two "machines" are two network namespaces on one
// host bridge (each with its own address on a /24 of its own); `tskube server` runs on the host,
// listening where the namespaces reach it, and one `tskube agent` runs inside each namespace.
// Each agent's route controller routes the other machine's podCIDR via its InternalIP, so pods on
// the two nodes reach each other by pod IP (keeping their pod source address) and through a
// ClusterIP Service, driven by the real kubectl. Everything the test creates is removed by name.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startServer, waitFor, type Server } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT as ROOT_USER, UNSHARE, type SystemTool } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';

const REPO = new URL('..', import.meta.url).pathname;
const IPROUTE2: SystemTool = { name: 'iproute2', command: 'ip', apt: 'iproute2' };

const tag = `${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(-5);
const bridge = `tmm-${tag}`;
const machines = [
  { ns: `tskube-mm-${tag}-a`, veth: `tmm-${tag}-a`, node: 'machine-a', host: 1 },
  { ns: `tskube-mm-${tag}-b`, veth: `tmm-${tag}-b`, node: 'machine-b', host: 2 },
];
const work = mkdtempSync(join(tmpdir(), 'tskube-multi-machine-'));
let subnet = '';
const addr = (host: number) => `${subnet}.${host}`;

let server: Server;
const agents: { proc: ChildProcess; exited: Promise<void>; output: () => string }[] = [];
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(server, args, { input, timeoutMs });
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tryIp = (...args: string[]) => { try { ip(...args); } catch { /* already gone */ } };

/** freeSubnet picks a 192.168.N.0/24 no route or address of this host touches. */
function freeSubnet(): string {
  const used = ip('-4', 'route', 'show', 'table', 'all') + ip('-4', 'addr');
  for (let n = 100; n < 250; n++) if (!used.includes(`192.168.${n}.`)) return `192.168.${n}`;
  throw new Error('no free 192.168.N.0/24');
}

/** makeMachines builds the two namespaces, each with eth0 on the host bridge. */
function makeMachines(): void {
  subnet = freeSubnet();
  ip('link', 'add', bridge, 'type', 'bridge');
  // Frames between the machines are bridged, as on a switch: the host's iptables stays out of it.
  tryIp('link', 'set', bridge, 'type', 'bridge', 'nf_call_iptables', '0');
  ip('addr', 'add', `${addr(254)}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  for (const m of machines) {
    ip('netns', 'add', m.ns);
    ip('link', 'add', m.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.ns);
    ip('link', 'set', m.veth, 'master', bridge, 'up');
    ip('-n', m.ns, 'addr', 'add', `${addr(m.host)}/24`, 'dev', 'eth0');
    ip('-n', m.ns, 'link', 'set', 'eth0', 'up');
    ip('-n', m.ns, 'link', 'set', 'lo', 'up');
  }
}

/** removeMachines deletes the namespaces (their eth0 and its host peer go with them) and the bridge. */
function removeMachines(): void {
  for (const m of machines) {
    tryIp('netns', 'delete', m.ns);
    tryIp('link', 'delete', m.veth);
  }
  tryIp('link', 'delete', bridge);
}

/** startAgentIn runs `tskube agent` inside a machine's namespace and resolves once it started. */
async function startAgentIn(m: typeof machines[number], url: string): Promise<void> {
  const args = ['netns', 'exec', m.ns, process.execPath, '--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'agent',
    '--server', url, '--token', server.nodeToken, '--name', m.node, '--root-dir', join(work, m.node),
    '--address', addr(m.host), '--runtime', 'process'];
  const proc = spawn('ip', args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  agents.push({ proc, exited, output: () => out });
  await waitFor(async () => /node agent started/.test(out) || (proc.exitCode !== null ? Promise.reject(new Error(`agent ${m.node} exited:\n${out}`)) : false), `agent ${m.node} started`, 240);
}

/** withAgentLogs adds the tail of each agent's log to a failure, which otherwise says only what did not happen. */
async function withAgentLogs<T>(p: Promise<T>): Promise<T> {
  try { return await p; } catch (e) {
    const logs = agents.map((a, i) => `--- agent ${machines[i]?.node}:\n${a.output().split('\n').slice(-40).join('\n')}`).join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`);
  }
}

async function stopAgents(): Promise<void> {
  for (const a of agents) if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGTERM');
  await Promise.all(agents.map((a) => a.exited));
}

const web = (name: string, node: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
  - name: web
    image: busybox
    command: [sh, -c, 'mkdir -p /tmp/www && echo "hello from $(hostname)" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']
    ports: [{containerPort: 8080}]
`;

const podIPOf = async (name: string) => waitFor(async () => {
  const r = await k(['get', 'pod', name, '-o', 'jsonpath={.status.phase} {.status.podIP}']);
  const [phase, podIP] = r.stdout.trim().split(' ');
  return phase === 'Running' && podIP ? podIP : undefined;
}, `${name} Running with a pod IP`, 480);

/** inPod runs a shell line in a pod (busybox wget without -T: it crashes with it). */
const inPod = (pod: string, line: string) => k(['exec', pod, '--', 'sh', '-c', line], undefined, 60_000);

const ips: Record<string, string> = {};

describeNeeding('pod networks across machines (host-gw routes between two network namespaces)', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT_USER, IPROUTE2, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  before(async () => {
    makeMachines();
    // The API server listens on every address: the machines reach it on the bridge's.
    server = await startServer({ extraArgs: ['--host', '0.0.0.0'] });
    const port = new URL(server.url).port;
    for (const m of machines) await startAgentIn(m, `https://${addr(254)}:${port}`);
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes', 240);
    await k(['apply', '-f', '-'], web('web-a', 'machine-a') + '---\n' + web('web-b', 'machine-b'));
    ips.a = await podIPOf('web-a');
    ips.b = await podIPOf('web-b');
  }, { timeout: 10 * 60_000 });
  after(async () => {
    await stopAgents();
    await server?.stop();
    removeMachines();
    rmSync(work, { recursive: true, force: true });
  }, { timeout: 2 * 60_000 });

  it('each machine routes the other node\'s podCIDR via its InternalIP, and not its own', async () => {
    const cidrs = Object.fromEntries(await Promise.all(machines.map(async (m) =>
      [m.node, (await k(['get', 'node', m.node, '-o', 'jsonpath={.spec.podCIDR}'])).stdout.trim()] as const)));
    for (const [i, m] of machines.entries()) {
      const other = machines[1 - i];
      const routes = await withAgentLogs(waitFor(async () => {
        const r = ip('-n', m.ns, '-4', 'route', 'show');
        return r.includes(`${cidrs[other.node]} via ${addr(other.host)} dev eth0`) && r;
      }, `route to ${other.node}'s pods on ${m.node}`, 120));
      assert.doesNotMatch(routes, new RegExp(`${cidrs[m.node].replace(/[./]/g, '\\$&')} via`), 'the node\'s own range stays on its bridge');
    }
  });

  it('pods on the two machines reach each other by pod IP, keeping their pod source address', async () => {
    for (const [from, to] of [['a', 'b'], ['b', 'a']]) {
      const r = await withAgentLogs(waitFor(async () => {
        const o = await inPod(`web-${from}`, `wget -q -O- http://${ips[to]}:8080/`);
        return o.stdout.includes(`hello from web-${to}`) && o;
      }, `web-${from} → web-${to} by pod IP`, 60));
      assert.equal(r.stdout.trim(), `hello from web-${to}`);
      // The side that closes first keeps the connection in TIME_WAIT. When that is the answering pod
      // (httpd usually closes first, but not always), its entry names the client by the address the
      // packets came from: the pod's own, not its machine's (no masquerade between pod ranges).
      // (busybox prints IPv4-mapped addresses: ::ffff:10.244.1.2)
      const esc = (a: string) => a.replace(/\./g, '\\.');
      const serverSide = new RegExp(`${esc(ips[to])}:8080\\s+(::ffff:)?(\\d+\\.\\d+\\.\\d+\\.\\d+):\\d+\\s+TIME_WAIT`);
      const conns = await waitFor(async () => {
        await inPod(`web-${from}`, `wget -q -O- http://${ips[to]}:8080/`);
        const out = (await inPod(`web-${to}`, 'netstat -tn')).stdout;
        return serverSide.test(out) && out;
      }, `a TIME_WAIT connection on web-${to}'s side`, 60);
      assert.equal(serverSide.exec(conns)?.[2], ips[from], conns);
      assert.doesNotMatch(conns, new RegExp(`${esc(addr(machines[from === 'a' ? 0 : 1].host))}:\\d+\\s+TIME_WAIT`), conns);
      const ping = await inPod(`web-${from}`, `ping -c 1 ${ips[to]}`);
      assert.match(ping.stdout, /1 packets transmitted, 1 packets received/, ping.stdout + ping.stderr);
    }
  });

  it('a ClusterIP Service reaches the pods of both machines from either', async () => {
    await k(['expose', 'pod', 'web-a', '--name', 'web', '--port', '80', '--target-port', '8080', '--selector', 'app=web']);
    const clusterIP = (await k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
    assert.match(clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
    for (const from of ['a', 'b']) {
      const seen = await waitFor(async () => {
        const o = await inPod(`web-${from}`, `for i in $(seq 20); do wget -q -O- http://${clusterIP}/; done`);
        const who = new Set([...o.stdout.matchAll(/hello from (web-[ab])/g)].map((m) => m[1]));
        return who.size === 2 && who;
      }, `answers from both pods through ${clusterIP} from web-${from}`, 30);
      assert.deepEqual([...seen].sort(), ['web-a', 'web-b']);
    }
  });

  it('agents that stop remove their routes and forwarding rules', async () => {
    await k(['delete', 'svc', 'web']);
    await k(['delete', 'pod', 'web-a', 'web-b', '--wait=true'], undefined, 120_000);
    await stopAgents();
    for (const m of machines) {
      assert.doesNotMatch(ip('-n', m.ns, '-4', 'route', 'show'), / via /, `no route left on ${m.node}`);
      const nat = execFileSync('ip', ['netns', 'exec', m.ns, 'iptables', '-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
      assert.doesNotMatch(nat, /TSKUBE-RT-/, `no route chain left on ${m.node}`);
    }
  });
});
