import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inNamespaces, pinNamespaces, pinsExist, unpinNamespaces } from './pinned-namespaces.js';

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
