import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ownerLiveness, ownerRecordFile, processIdentity, processStartTime, readNetworkOwners, recordNetworkOwner,
  releaseNetworkOwner, sandboxNetns, sweepStaleNetworks, validOwner, type NetworkOwner, type StaleStateHost,
} from './stale-state.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tskube-stale-'));

/** fakeProc makes a /proc with the given processes: stat (start time in field 22, a command with spaces and parens) and ns links. */
function fakeProc(procs: { pid: number; start: string; pidns?: string; netns?: string }[]): string {
  const dir = tmp();
  for (const p of procs) {
    mkdirSync(join(dir, String(p.pid), 'ns'), { recursive: true });
    // Fields 3..21 are filler; field 22 is the start time.
    const filler = Array.from({ length: 19 }, (_, i) => String(i + 3)).join(' ');
    writeFileSync(join(dir, String(p.pid), 'stat'), `${p.pid} (a (weird) cmd) S ${filler.split(' ').slice(1).join(' ')} ${p.start} 23 24\n`);
    symlinkSync(p.pidns ?? 'pid:[4026531836]', join(dir, String(p.pid), 'ns', 'pid'));
    symlinkSync(p.netns ?? 'net:[4026531840]', join(dir, String(p.pid), 'ns', 'net'));
  }
  return dir;
}

function owner(over: Partial<NetworkOwner> & { bridge: string; stateDir: string }): NetworkOwner {
  const suffix = over.bridge.replace(/^tsk-/, '');
  return {
    pid: 999_999, startTime: '1', pidNamespace: 'pid:[4026531836]', netNamespace: 'net:[4026531840]',
    nodeName: 'host01', networkName: 'tskube-host01', podCIDR: '10.231.0.0/24',
    nftTables: [`tskube-${suffix}`], routeChain: `TSKUBE-RT-${suffix}`, ...over,
  };
}

test('processStartTime reads field 22 of the real /proc/PID/stat, and counts fields after a command name with spaces and parentheses', () => {
  const real = processStartTime(process.pid);
  assert.match(real ?? '', /^\d+$/);
  assert.equal(real, readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
  const proc = fakeProc([{ pid: 42, start: '777' }]);
  assert.equal(processStartTime(42, proc), '777');
  assert.equal(processStartTime(43, proc), undefined);
});

test('ownerLiveness: this live process is alive, an exited PID is dead, a reused PID (other start time) is dead, another PID namespace is unknown', () => {
  const self = processIdentity();
  assert.ok(self);
  assert.equal(ownerLiveness(self, self), 'alive');
  const child = spawnSync('true');
  assert.equal(child.status, 0);
  assert.equal(ownerLiveness({ ...self, pid: child.pid, startTime: self.startTime }, self), 'dead', 'an exited PID');
  assert.equal(ownerLiveness({ ...self, startTime: String(Number(self.startTime) + 1) }, self), 'dead', 'the PID now belongs to a process started later');
  assert.equal(ownerLiveness({ ...self, pidNamespace: 'pid:[1]' }, self), 'unknown');
  assert.equal(ownerLiveness({ ...self, pidNamespace: '' }, self), 'unknown');
});

test('owner records: written atomically, read back, removed only by their owner; a foreign or damaged file is ignored', () => {
  const dir = tmp();
  const self = processIdentity()!;
  const mine = owner({ ...self, bridge: 'tsk-host01-ab12', stateDir: '/tmp/c1/nodes/host01' });
  recordNetworkOwner(mine, dir);
  assert.deepEqual(readNetworkOwners(dir), [mine]);
  writeFileSync(join(dir, 'junk.json'), '{not json');
  writeFileSync(join(dir, 'tsk-host02-cd34.json'), JSON.stringify(owner({ bridge: 'eth0', stateDir: '/tmp/c1/nodes/host02' })));
  writeFileSync(join(dir, 'tsk-host03-ef56.json'), JSON.stringify(owner({ bridge: 'tsk-host03-ef56', stateDir: '/tmp/c1/nodes/host03', nftTables: ['filter'] })));
  // A file named after another bridge than the one it holds is not trusted either.
  writeFileSync(join(dir, 'tsk-host04-0000.json'), JSON.stringify(owner({ bridge: 'tsk-host04-1111', stateDir: '/tmp/c1/nodes/host04' })));
  assert.deepEqual(readNetworkOwners(dir).map((o) => o.bridge), ['tsk-host01-ab12']);
  releaseNetworkOwner('tsk-host01-ab12', { ...self, startTime: '1' }, dir);
  assert.ok(existsSync(ownerRecordFile('tsk-host01-ab12', dir)), 'another process (same PID, other start) does not remove it');
  releaseNetworkOwner('tsk-host01-ab12', self, dir);
  assert.equal(existsSync(ownerRecordFile('tsk-host01-ab12', dir)), false);
});

test('validOwner refuses names tskube does not make and state directories it could not own', () => {
  const ok = owner({ bridge: 'tsk-host01-ab12', stateDir: '/tmp/c1/nodes/host01' });
  assert.equal(validOwner(ok), true);
  for (const bad of [
    { bridge: 'docker0' }, { stateDir: 'relative/dir' }, { stateDir: '/' }, { stateDir: '/tmp/../etc' }, { routeChain: 'FORWARD' },
    { nftTables: ['tskube-x; flush ruleset'] }, { networkName: 'other net' }, { podCIDR: 'nonsense' }, { pid: -1 }, { startTime: 'x' },
  ] as Partial<NetworkOwner>[]) assert.equal(validOwner({ ...ok, ...bad }), false, JSON.stringify(bad));
});

/** RecordingHost plays a machine holding one dead node's state. */
class RecordingHost implements StaleStateHost {
  calls: string[] = [];
  links = new Set(['tsk-host01-dead', 'vethaaa', 'vethbbb', 'tsk-host01-live']);
  async bridgePorts(bridge: string) { return bridge === 'tsk-host01-dead' ? [{ name: 'vethaaa', netnsId: 7 }, { name: 'vethbbb', netnsId: 8 }] : []; }
  async namedNetns() { return [{ name: 'tskube-1111111111111111', id: 7 }, { name: 'someone-elses', id: 8 }]; }
  async deleteLink(name: string) { this.calls.push(`link ${name}`); return this.links.delete(name); }
  async masqueradeRules(bridge: string) { return bridge === 'tsk-host01-dead' ? [{ podCIDR: '10.231.0.0/24', networkName: 'tskube-host01' }] : []; }
  async deleteMasquerade(podCIDR: string, net: string, bridge: string) { this.calls.push(`masquerade ${podCIDR} ${net} ${bridge}`); }
  async deleteNftTable(name: string) { this.calls.push(`nft ${name}`); return true; }
  async removeRouteChain(chain: string) { this.calls.push(`chain ${chain}`); return true; }
  async deleteRoute(podCIDR: string, via: string) { this.calls.push(`route ${podCIDR} via ${via}`); }
  async deleteNetns(name: string) { this.calls.push(`netns ${name}`); return true; }
  mountsUnder(dir: string) { return dir.endsWith('/dead/nodes/host01') ? [`${dir}/sandboxes/s1/uts`] : []; }
  async lazyUnmount(path: string) { this.calls.push(`umount ${path}`); }
}

test('sweepStaleNetworks removes a dead owner\'s bridge, pods\' interfaces, rule, table, chains, routes, namespaces and mounts, and its record; live, restarting and foreign owners are untouched', async () => {
  const root = tmp();
  const dir = join(root, 'owners');
  const selfPid = process.pid;
  // PID 500 lives (started at 50); PID 501 is dead; PID 502 now runs a process started later than the recorded one.
  const proc = fakeProc([{ pid: selfPid, start: '10' }, { pid: 500, start: '50' }, { pid: 502, start: '90' }]);
  const deadState = join(root, 'dead', 'nodes', 'host01');
  mkdirSync(join(deadState, 'sandboxes', 's1'), { recursive: true });
  writeFileSync(join(deadState, 'sandboxes', 's1', 'state.json'), JSON.stringify({ netns: 'tskube-2222222222222222' }));
  writeFileSync(join(deadState, 'routes.json'), JSON.stringify([{ node: 'far', podCIDR: '10.231.5.0/24', via: '192.168.9.5' }]));
  const dead = owner({ pid: 501, startTime: '40', bridge: 'tsk-host01-dead', stateDir: deadState });
  const reused = owner({ pid: 502, startTime: '60', bridge: 'tsk-host02-0002', stateDir: join(root, 'reused', 'nodes', 'host02'), nodeName: 'host02', networkName: 'tskube-host02' });
  const live = owner({ pid: 500, startTime: '50', bridge: 'tsk-host01-0001', stateDir: join(root, 'live', 'nodes', 'host01') });
  const restarting = owner({ pid: 501, startTime: '40', bridge: 'tsk-host03-0003', stateDir: join(root, 'mine', 'nodes', 'host03'), nodeName: 'host03', networkName: 'tskube-host03' });
  const elsewhere = owner({ pid: 501, startTime: '40', bridge: 'tsk-host04-0004', stateDir: join(root, 'ns', 'nodes', 'host04'), netNamespace: 'net:[1]' });
  for (const o of [dead, reused, live, restarting, elsewhere]) recordNetworkOwner(o, dir);

  const host = new RecordingHost();

  const swept = await sweepStaleNetworks({ stateDir: join(root, 'mine', 'nodes', 'host01'), dir, host, procDir: proc });
  assert.deepEqual(swept.map((o) => o.bridge).sort(), [dead.bridge, reused.bridge]);
  const deadCalls = host.calls.filter((c) => !c.includes('host02'));
  assert.deepEqual(deadCalls, [
    'link vethaaa', 'link vethbbb', `link ${dead.bridge}`,
    `masquerade 10.231.0.0/24 tskube-host01 ${dead.bridge}`,
    'nft tskube-host01-dead', 'chain TSKUBE-RT-host01-dead',
    'route 10.231.5.0/24 via 192.168.9.5',
    // the namespace the bridge's veth led to, and the one the sandbox recorded; never "someone-elses"
    'netns tskube-1111111111111111', 'netns tskube-2222222222222222',
    `umount ${deadState}/sandboxes/s1/uts`,
  ]);
  assert.ok(host.calls.includes('link tsk-host02-0002') && host.calls.includes('nft tskube-host02-0002'), 'a reused PID\'s owner is gone too');
  for (const untouched of [live, restarting, elsewhere]) {
    assert.equal(host.calls.some((c) => c.includes(untouched.bridge.slice(4))), false, `${untouched.bridge} untouched`);
  }
  assert.deepEqual(readNetworkOwners(dir).map((o) => o.bridge).sort(), [live.bridge, restarting.bridge, elsewhere.bridge].sort());
  rmSync(root, { recursive: true, force: true });
});

test('sweepStaleNetworks: a step that fails is logged and the rest goes on', async () => {
  const root = tmp();
  const dir = join(root, 'owners');
  const proc = fakeProc([{ pid: process.pid, start: '10' }]);
  recordNetworkOwner(owner({ pid: 501, startTime: '40', bridge: 'tsk-host01-beef', stateDir: join(root, 'old', 'nodes', 'host01') }), dir);
  const host = new RecordingHost();
  host.deleteLink = async (name) => { throw new Error(`cannot delete ${name}`); };
  const swept = await sweepStaleNetworks({ stateDir: join(root, 'new', 'nodes', 'host01'), dir, host, procDir: proc });
  assert.equal(swept.length, 1);
  assert.deepEqual(host.calls, ['nft tskube-host01-beef', 'chain TSKUBE-RT-host01-beef'], 'the table and chains go although the bridge could not');
  assert.deepEqual(readNetworkOwners(dir), []);
  rmSync(root, { recursive: true, force: true });
});

test('sweepStaleNetworks stops as soon as a new agent of the node records itself (its cluster restarted) and keeps that record', async () => {
  const root = tmp();
  const dir = join(root, 'owners');
  const proc = fakeProc([{ pid: process.pid, start: '10' }, { pid: 600, start: '70' }]);
  const dead = owner({ pid: 501, startTime: '40', bridge: 'tsk-host01-beef', stateDir: join(root, 'old', 'nodes', 'host01') });
  recordNetworkOwner(dead, dir);
  const host = new RecordingHost();
  host.deleteLink = async (name) => {
    host.calls.push(`link ${name}`);
    // The node's agent starts again on its data dir meanwhile and takes the bridge over.
    recordNetworkOwner({ ...dead, pid: 600, startTime: '70' }, dir);
    return true;
  };
  await sweepStaleNetworks({ stateDir: join(root, 'new', 'nodes', 'host01'), dir, host, procDir: proc });
  assert.deepEqual(host.calls, ['link tsk-host01-beef'], 'nothing after the takeover: the new agent\'s table and chains stay');
  assert.deepEqual(readNetworkOwners(dir).map((o) => o.pid), [600]);
  rmSync(root, { recursive: true, force: true });
});

test('sweepStaleNetworks never unmounts under another owner\'s or its own state directory, nor anything for a dead owner recorded at a top-level directory', async () => {
  const root = tmp();
  const dir = join(root, 'owners');
  const proc = fakeProc([{ pid: process.pid, start: '10' }, { pid: 500, start: '50' }]);
  const deadDir = join(root, 'dead', 'nodes', 'host01');
  recordNetworkOwner(owner({ pid: 501, startTime: '40', bridge: 'tsk-host01-dead', stateDir: deadDir }), dir);
  recordNetworkOwner(owner({ pid: 501, startTime: '40', bridge: 'tsk-host02-dead', stateDir: '/tmp', nodeName: 'host02', networkName: 'tskube-host02' }), dir);
  // A live node whose state directory lies inside the dead one's.
  recordNetworkOwner(owner({ pid: 500, startTime: '50', bridge: 'tsk-host03-0003', stateDir: join(deadDir, 'inner'), nodeName: 'host03', networkName: 'tskube-host03' }), dir);
  const host = new RecordingHost();
  const mounted = [join(deadDir, 'inner', 'sandboxes', 'x', 'uts'), join(deadDir, 'sandboxes', 'y', 'uts'), '/tmp/someone/else'];
  host.mountsUnder = (d) => mounted.filter((m) => m.startsWith(`${d}/`));
  await sweepStaleNetworks({ stateDir: join(root, 'new', 'nodes', 'host01'), dir, host, procDir: proc });
  assert.deepEqual(host.calls.filter((c) => c.startsWith('umount')), [`umount ${join(deadDir, 'sandboxes', 'y', 'uts')}`]);
  rmSync(root, { recursive: true, force: true });
});

test('sandboxNetns reads only tskube namespace names from the sandboxes\' state', () => {
  const d = tmp();
  for (const [id, netns] of [['a', 'tskube-aaaa'], ['b', '../../etc'], ['c', 'other'], ['d', undefined]] as const) {
    mkdirSync(join(d, 'sandboxes', id), { recursive: true });
    writeFileSync(join(d, 'sandboxes', id, 'state.json'), JSON.stringify({ netns }));
  }
  assert.deepEqual(sandboxNetns(d), ['tskube-aaaa']);
  assert.deepEqual(sandboxNetns(join(d, 'missing')), []);
  rmSync(d, { recursive: true, force: true });
});
