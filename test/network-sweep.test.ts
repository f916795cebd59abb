// End-to-end: a `tskube up` killed with SIGKILL (with its command helper, shims and containers)
// leaves its pod bridge, masquerade rule, nftables table and pod namespaces on the machine; the
// next cluster on another data dir with the same --cluster-cidr sweeps them when its node's network
// starts (their owner process is gone), so its own bridge is the only one carrying the pod range
// and its pod answers from the host. A cluster running meanwhile keeps everything it has, and the
// killed cluster started again on its own data dir recovers its state instead of sweeping it.
// exclusive: any cluster another test starts meanwhile sweeps the killed cluster's state (its node
// agents sweep every dead cluster's), so what a SIGKILL leaves could be gone before it is checked.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { descendants } from '../src/testing/process-tree.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';
import { NETWORK_OWNERS_DIR, readNetworkOwners, sandboxNetns, type NetworkOwner } from '../src/network/stale-state.js';
import { mountPointsUnder } from '../src/util/mounts.js';
import { netnsPath } from '../src/network/netns.js';
import { claimTestCIDR } from '../src/testing/test-cidr.js';

/** freeClusterCIDR claims a /16 for this file (src/testing/test-cidr.ts; given back when the process ends). */
const freeClusterCIDR = (): string => claimTestCIDR().cidr;

/** processTree lists pid and every process descending from it (read from /proc before anything is killed). */
const processTree = (pid: number): number[] => [pid, ...descendants(pid)];

/** ownerOf is the owner record of the node whose state directory lies in the cluster's data dir. */
const ownerOf = (c: Cluster): NetworkOwner | undefined => readNetworkOwners().find((o) => o.stateDir.startsWith(`${c.dataDir}/`));

const mountsUnder = (dir: string) => mountPointsUnder(dir);
const linkExists = (name: string) => spawnSync('ip', ['link', 'show', name]).status === 0;
const nftTableExists = (name: string) => spawnSync('nft', ['list', 'table', 'ip', name]).status === 0;
const masqueradeRules = () => execFileSync('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' });

/** runWeb runs a busybox httpd serving the pod's /etc and resolves to the pod's IP once it is Running. */
async function runWeb(c: Cluster, name: string): Promise<string> {
  const r = await kubectl(c, ['run', name, '--image=busybox', '--restart=Always', '--', 'httpd', '-f', '-p', '8080', '-h', '/etc']);
  assert.equal(r.code, 0, r.stderr);
  return runningIP(c, name);
}

/** runningIP resolves to a pod's IP once it is Running. */
function runningIP(c: Cluster, name: string): Promise<string> {
  return waitFor(async () => {
    const out = (await kubectl(c, ['get', 'pod', name, '-o', 'jsonpath={.status.phase} {.status.podIP}'])).stdout.split(' ');
    return out[0] === 'Running' && out[1] ? out[1] : undefined;
  }, `${name} Running`, 240, 1000);
}

/** fetchHostname asks a pod's httpd for /hostname (its /etc/hostname) from this machine; a timeout says what the cluster and machine looked like. */
async function fetchHostname(c: Cluster, ip: string): Promise<string> {
  try {
    return await waitFor(async () => {
      try {
        const res = await fetch(`http://${ip}:8080/hostname`, { signal: AbortSignal.timeout(5000) });
        return res.ok ? (await res.text()).trim() : undefined;
      } catch { return undefined; }
    }, `http://${ip}:8080/hostname`, 180, 1000);
  } catch (e) {
    const pods = (await kubectl(c, ['get', 'pods', '-o', 'wide'])).stdout;
    const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
    throw new Error(`${(e as Error).message}\n${pods}\n${routes}\n${c.output().split('\n').slice(-60).join('\n')}`);
  }
}

/** killTree SIGKILLs a cluster and every process it started (command helper, shims, containers), as a crash or the OOM killer would. */
async function killTree(c: Cluster): Promise<number[]> {
  const tree = processTree(c.proc.pid!);
  for (const pid of tree) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  await c.kill9();
  await waitFor(async () => tree.every((pid) => !existsSync(`/proc/${pid}`)), 'the killed processes gone', 60, 500);
  return tree;
}

const inRange = (ip: string, cidr: string) => ip.startsWith(cidr.split('.').slice(0, 2).join('.') + '.');

const readyNode = (c: Cluster) => waitFor(async () => /\bReady\b/.test((await kubectl(c, ['get', 'nodes', '--no-headers'])).stdout), 'a Ready node', 240, 1000);

let live: Cluster | undefined;
let killed: Cluster | undefined;
let next: Cluster | undefined;
const killedDataDir = mkdtempSync(join(tmpdir(), 'tskube-e2e-killed-'));

describeNeeding('a killed cluster\'s network state is swept by the next cluster', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  const sharedCIDR = freeClusterCIDR();
  before(async () => {
    live = await startCluster({ nodes: 1, extraArgs: ['--cluster-cidr', freeClusterCIDR()] });
    await readyNode(live);
  }, { timeout: 4 * 60_000 });
  after(async () => {
    await next?.stop();
    await live?.stop();
    // After a failure the killed cluster may still run, with its containers.
    if (killed) await killTree(killed);
    // After a failure the killed cluster's pins may still be mounted there.
    for (const m of mountsUnder(killedDataDir)) spawnSync('umount', ['-l', m]);
    rmSync(killedDataDir, { recursive: true, force: true });
  });

  it('SIGKILL leaves the bridge, rule, table; a restart on the same data dir recovers them; the next cluster with the same pod range removes them and its pod is reachable; a live cluster is untouched', async () => {
    const liveIP = await runWeb(live!, 'live-web');
    const liveOwner = await waitFor(async () => ownerOf(live!), 'the live cluster\'s owner record');

    killed = await startCluster({ nodes: 1, dataDir: killedDataDir, extraArgs: ['--cluster-cidr', sharedCIDR] });
    await readyNode(killed);
    const killedIP = await runWeb(killed, 'killed-web');
    const first = await waitFor(async () => ownerOf(killed!), 'the killed cluster\'s owner record');
    assert.ok(processTree(killed.proc.pid!).includes(first.pid), 'the recorded owner is the cluster\'s process or one of its children');
    await killTree(killed);

    // Started again on its own data dir, the cluster recovers its node's network (nothing is swept):
    // the pod comes back with its address and answers.
    killed = await startCluster({ nodes: 1, dataDir: killedDataDir, extraArgs: ['--cluster-cidr', sharedCIDR] });
    await waitFor(async () => (await runningIP(killed!, 'killed-web')) === killedIP || undefined, 'killed-web Running again with its address', 240, 1000);
    assert.equal(await fetchHostname(killed, killedIP), 'killed-web');
    assert.doesNotMatch(killed.output(), new RegExp(`Removing the network state of a node agent that is gone bridge=${first.bridge}`));
    const dead = await waitFor(async () => { const o = ownerOf(killed!); return o && o.pid !== first.pid ? o : undefined; }, 'the restarted cluster\'s owner record');
    assert.equal(dead.bridge, first.bridge);
    await waitFor(async () => nftTableExists(dead.nftTables[0]), 'the killed cluster\'s nftables table');
    await killTree(killed);
    // What a SIGKILL leaves: the problem this sweep solves.
    const deadNetns = sandboxNetns(dead.stateDir);
    assert.ok(deadNetns.length > 0 && deadNetns.every((n) => existsSync(netnsPath(n))), `the pod's network namespace is left behind: ${deadNetns}`);
    assert.ok(mountsUnder(killedDataDir).length > 0, 'the sandbox\'s namespace pins are left mounted');
    assert.ok(linkExists(dead.bridge), `${dead.bridge} is left behind`);
    assert.ok(nftTableExists(dead.nftTables[0]), `${dead.nftTables[0]} is left behind`);
    assert.match(masqueradeRules(), new RegExp(` ${dead.bridge}: masquerade`));

    next = await startCluster({ nodes: 1, extraArgs: ['--cluster-cidr', sharedCIDR] });
    await readyNode(next);
    const nextIP = await runWeb(next, 'next-web');
    assert.ok(inRange(nextIP, sharedCIDR), `the pod has an address of ${sharedCIDR} (not the node's), got ${nextIP}`);
    assert.equal(linkExists(dead.bridge), false, `${dead.bridge} was deleted`);
    assert.equal(nftTableExists(dead.nftTables[0]), false, `${dead.nftTables[0]} was deleted`);
    assert.doesNotMatch(masqueradeRules(), new RegExp(` ${dead.bridge}: masquerade`));
    assert.equal(existsSync(join(NETWORK_OWNERS_DIR, `${dead.bridge}.json`)), false, 'the dead owner\'s record was removed');
    assert.equal(deadNetns.filter((n) => existsSync(netnsPath(n))).length, 0, 'the pod\'s network namespace was deleted');
    assert.deepEqual(mountsUnder(killedDataDir), [], 'the mounts under the killed cluster\'s data dir were detached');
    // (Which agent swept it is not asserted: on a shared machine another cluster starting meanwhile may be first.)
    assert.equal(await fetchHostname(next, nextIP), 'next-web', 'the new pod answers from the host');

    // The cluster that ran all along keeps its bridge, rule, table, record, and its pod answers.
    assert.ok(linkExists(liveOwner.bridge));
    assert.ok(nftTableExists(liveOwner.nftTables[0]));
    assert.match(masqueradeRules(), new RegExp(` ${liveOwner.bridge}: masquerade`));
    assert.deepEqual(ownerOf(live!), liveOwner);
    assert.equal(await fetchHostname(live!, liveIP), 'live-web');
  });
});
