import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostLocalStore } from './host-local-store.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'host-local-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('addresses are handed out in order after the gateway, in host-local\'s files', () => withDir((dir) => {
  const s = new HostLocalStore(dir, 'net1');
  assert.deepEqual(s.allocate('10.1.2.0/24', 'c1', 'eth0'), { address: '10.1.2.2', prefix: 24, gateway: '10.1.2.1' });
  assert.equal(s.allocate('10.1.2.0/24', 'c2', 'eth0').address, '10.1.2.3');
  assert.equal(readFileSync(join(dir, 'net1', '10.1.2.2'), 'utf8'), 'c1\r\neth0');
  assert.equal(readFileSync(join(dir, 'net1', 'last_reserved_ip.0'), 'utf8'), '10.1.2.3');
  assert.deepEqual(s.leases().sort(), ['10.1.2.2', '10.1.2.3']);
}));

test('an interface that holds a lease gets it again; another interface of the container gets its own', () => withDir((dir) => {
  const s = new HostLocalStore(dir, 'net1');
  const a = s.allocate('10.1.2.0/24', 'c1', 'eth0');
  assert.equal(s.allocate('10.1.2.0/24', 'c1', 'eth0').address, a.address);
  assert.notEqual(s.allocate('10.1.2.0/24', 'c1', 'eth1').address, a.address);
}));

test('the search starts after the last address handed out and wraps, skipping leases and the gateway', () => withDir((dir) => {
  const s = new HostLocalStore(dir, 'net1');
  // A /29: .1 gateway, .2–.6 for pods, .7 broadcast.
  for (const id of ['a', 'b', 'c', 'd', 'e']) s.allocate('10.9.0.0/29', id, 'eth0');
  assert.throws(() => s.allocate('10.9.0.0/29', 'f', 'eth0'), /no IP addresses available in range set: 10\.9\.0\.1-10\.9\.0\.6/);
  s.release('b', 'eth0');
  // last reserved is .6: the search wraps to .1 (gateway, skipped) and takes .3, b's old address.
  assert.equal(s.allocate('10.9.0.0/29', 'f', 'eth0').address, '10.9.0.3');
  s.release('a', 'eth0', '10.9.0.2');
  s.release('d', 'eth0', '10.9.0.2'); // a cached address not d's: d's own lease goes
  assert.deepEqual(s.leases().sort(), ['10.9.0.3', '10.9.0.4', '10.9.0.6']);
}));

test('the plugin\'s files are read: older leases hold the container ID alone; a bad last_reserved is ignored', () => withDir((dir) => {
  const s = new HostLocalStore(dir, 'net1');
  s.allocate('10.1.2.0/24', 'x', 'eth0');
  writeFileSync(join(dir, 'net1', '10.1.2.9'), 'old');
  writeFileSync(join(dir, 'net1', 'last_reserved_ip.0'), 'garbage');
  assert.equal(s.allocate('10.1.2.0/24', 'old', 'eth0').address, '10.1.2.9');
  assert.equal(s.allocate('10.1.2.0/24', 'new', 'eth0').address, '10.1.2.3');
  s.release('old', 'eth0');
  s.release('nobody', 'eth0');
  assert.deepEqual(readdirSync(join(dir, 'net1')).sort(), ['10.1.2.2', '10.1.2.3', 'last_reserved_ip.0']);
}));

test('a given gateway is the one skipped and returned', () => withDir((dir) => {
  const s = new HostLocalStore(dir, 'net1');
  assert.deepEqual(s.allocate('10.1.2.0/30', 'c1', 'eth0', '10.1.2.2'), { address: '10.1.2.1', prefix: 30, gateway: '10.1.2.2' });
  assert.throws(() => s.allocate('10.1.2.0/30', 'c2', 'eth0', '10.1.2.2'), /no IP addresses available/);
}));

test('leases made or removed by someone else (the plugin, a sweep) are seen: the directory is read again once it changed', () => withDir((dir) => {
  const s = new HostLocalStore(dir, 'net1');
  const net = join(dir, 'net1');
  /** later marks the directory changed as a later write would (within one clock tick the time may not move) */
  const later = () => utimesSync(net, new Date(), new Date(Date.now() + 60_000));
  assert.equal(s.allocate('10.1.2.0/24', 'c1', 'eth0').address, '10.1.2.2');
  rmSync(join(net, '10.1.2.2'));
  later();
  assert.equal(s.allocate('10.1.2.0/24', 'c1', 'eth0').address, '10.1.2.3', 'the removed lease is not handed back as held');
  writeFileSync(join(net, '10.1.2.9'), 'x\r\neth0');
  later();
  s.release('x', 'eth0');
  assert.deepEqual(s.leases().sort(), ['10.1.2.3']);
  // A directory removed and made again (the node's state dropped) is another directory.
  rmSync(net, { recursive: true });
  assert.equal(new HostLocalStore(dir, 'net1').allocate('10.1.2.0/24', 'c1', 'eth0').address, '10.1.2.2');
}));
