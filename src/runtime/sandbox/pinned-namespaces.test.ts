import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSharedMountPoint, inNamespaces, pinNamespaces, pinsExist, unpinNamespaces } from './pinned-namespaces.js';
import { mountPoints } from '../../util/mounts.js';

test('inNamespaces: one process sets the hostname (a builtin write) and brings lo up; each alone when only one is wanted', () => {
  assert.deepEqual(inNamespaces('web-0', true), ['/bin/sh', '-c', 'printf %s "$0" > /proc/sys/kernel/hostname && exec "$@"', 'web-0', 'ip', 'link', 'set', 'lo', 'up']);
  assert.deepEqual(inNamespaces('web-0', false), ['hostname', 'web-0']);
  assert.deepEqual(inNamespaces(undefined, true), ['ip', 'link', 'set', 'lo', 'up']);
  assert.deepEqual(inNamespaces(undefined, false), ['true']);
});

const canPin = process.getuid?.() === 0 && ['unshare', 'nsenter', 'ip'].every((t) => {
  try { execFileSync('which', [t], { stdio: 'ignore' }); return true; } catch { return false; }
});

test('pinNamespaces: the UTS namespace has the pod\'s hostname, the network namespace its lo up; unpin removes them', { skip: canPin ? false : 'needs root, unshare, nsenter and ip' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-pins-'));
  const netPath = path.join('/run/netns', `tskube-test-${randomBytes(4).toString('hex')}`);
  const pins = await pinNamespaces(dir, 'pinned-pod', { uts: true, ipc: true, netPath });
  try {
    assert.ok(pinsExist(pins));
    assert.equal(execFileSync('nsenter', [`--uts=${pins.uts}`, 'hostname'], { encoding: 'utf8' }).trim(), 'pinned-pod');
    assert.notEqual(os.hostname(), 'pinned-pod', 'the node keeps its own');
    assert.match(execFileSync('nsenter', [`--net=${pins.net}`, 'ip', '-br', 'link', 'show', 'lo'], { encoding: 'utf8' }), /^lo\s+(UNKNOWN|UP)\b/);
  } finally {
    await unpinNamespaces(pins);
  }
  assert.equal(fs.existsSync(netPath), false);
  assert.equal(fs.existsSync(pins.uts!), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a namespace pinned in a plain directory stays removable when `ip netns add` later binds that directory over itself', { skip: canPin ? false : 'needs root, unshare, nsenter and ip' }, async () => {
  // A directory of our own stands for a fresh machine's /run/netns, which is no mount point until
  // the first `ip netns add` makes it one.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-netnsdir-'));
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-pins-'));
  const netPath = path.join(dir, 'pod');
  const pins = await pinNamespaces(sandbox, 'pod', { uts: false, ipc: false, netPath });
  try {
    assert.ok(mountPoints().includes(dir), 'the directory is a mount point of its own before anything is pinned in it');
    // what `ip netns add` does when the directory is no mount point yet (it is now: no new bind)
    execFileSync('sh', ['-c', 'mount --make-shared "$0" 2>/dev/null || { mount --bind "$0" "$0" && mount --make-shared "$0"; }', dir]);
    await ensureSharedMountPoint(dir);
    assert.ok(pinsExist(pins), 'the pin is still reachable by its path');
  } finally {
    await unpinNamespaces(pins);
  }
  assert.equal(fs.existsSync(netPath), false, 'unpinned and removed');
  for (let i = 0; i < 4 && mountPoints().includes(dir); i++) execFileSync('umount', [dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(sandbox, { recursive: true, force: true });
});

test('a namespace another tool pinned in the plain directory before stays usable once it is made a mount point', { skip: canPin ? false : 'needs root, unshare, nsenter and ip' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-netnsdir-'));
  const foreign = path.join(dir, 'cni-foreign');
  fs.writeFileSync(foreign, '');
  execFileSync('unshare', [`--net=${foreign}`, 'true']);
  try {
    await ensureSharedMountPoint(dir);
    assert.ok(mountPoints().includes(dir));
    assert.equal(spawnSync('nsenter', [`--net=${foreign}`, 'true']).status, 0, 'the namespace is still reachable by its path');
  } finally {
    // the bind (with its copy of the pin) goes first; then the original pin is reachable again
    for (let i = 0; i < 4 && mountPoints().includes(dir); i++) execFileSync('umount', ['-l', dir]);
    for (let i = 0; i < 4 && mountPoints().includes(foreign); i++) execFileSync('umount', [foreign]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
