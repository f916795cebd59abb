import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { containerDevices, DEV_SYMLINKS, hostDeviceNodes, prepareDevTemplate } from './dev-template.js';

test('prepareDevTemplate: the links and the mount points pts and shm, nothing else; completes a damaged one', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-template-'));
  const dir = prepareDevTemplate(path.join(root, 'dev'));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['fd', 'pts', 'shm', 'stderr', 'stdin', 'stdout']);
  for (const [name, target] of Object.entries(DEV_SYMLINKS)) assert.equal(fs.readlinkSync(path.join(dir, name)), target);
  assert.ok(fs.statSync(path.join(dir, 'pts')).isDirectory());
  // A wrong link and a missing directory are put right; a second call changes nothing else.
  fs.rmSync(path.join(dir, 'stdin'));
  fs.symlinkSync('/elsewhere', path.join(dir, 'stdin'));
  fs.rmdirSync(path.join(dir, 'shm'));
  prepareDevTemplate(dir);
  assert.equal(fs.readlinkSync(path.join(dir, 'stdin')), '/proc/self/fd/0');
  assert.ok(fs.statSync(path.join(dir, 'shm')).isDirectory());
  assert.deepEqual(fs.readdirSync(dir).sort(), ['fd', 'pts', 'shm', 'stderr', 'stdin', 'stdout']);
  fs.rmSync(root, { recursive: true, force: true });
});

test('containerDevices: the standard nodes for every container; a privileged one also the node\'s other devices, not its files or directories', () => {
  const std = containerDevices(false);
  assert.deepEqual(std.filter((p) => ['/dev/null', '/dev/zero', '/dev/ptmx'].includes(p)), ['/dev/null', '/dev/zero', '/dev/ptmx']);
  assert.ok(std.every((p) => fs.lstatSync(p)));
  const all = containerDevices(true);
  assert.deepEqual(all.slice(0, std.length), std);
  const extra = hostDeviceNodes();
  assert.deepEqual(all.slice(std.length), extra);
  for (const p of extra) {
    const st = fs.lstatSync(p);
    assert.ok(st.isCharacterDevice() || st.isBlockDevice(), p);
    assert.ok(!std.includes(p), p);
  }
  // Regular files and directories (a stray file, /dev/pts) are never copied in.
  const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-dev-'));
  fs.writeFileSync(path.join(fake, 'termination-log'), '');
  fs.mkdirSync(path.join(fake, 'pts'));
  assert.deepEqual(hostDeviceNodes(fake), []);
  assert.deepEqual(containerDevices(true, fake), []);
  fs.rmSync(fake, { recursive: true, force: true });
});
