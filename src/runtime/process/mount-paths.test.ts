import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveMountPaths } from './mount-paths.js';

test('resolveMountPaths follows symlinks of the node\'s root filesystem, and leaves what it cannot tell to the setup script', () => {
  // A directory stands for the node's root: /var/run -> /run (absolute), /rel -> run/real, /chain -> var/run, a loop.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mount-paths-'));
  fs.mkdirSync(path.join(root, 'run/real'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var'));
  fs.mkdirSync(path.join(root, 'tmp'));
  fs.symlinkSync('/run', path.join(root, 'var/run'));
  fs.symlinkSync('run/real', path.join(root, 'rel'));
  fs.symlinkSync('var/run', path.join(root, 'chain'));
  fs.symlinkSync('loop', path.join(root, 'loop'));
  fs.symlinkSync('/run', path.join(root, 'tmp/link'));
  const paths = [
    '/var/run/secrets/kubernetes.io/serviceaccount',
    '/rel/x/f',
    '/chain/../run/y/f',
    '/loop/f',
    '/etc/hosts',
    '/tmp/link/f',
    '/data',
    '/data/var/run/f',
  ];
  const o = { root, replaced: ['/tmp'] };
  assert.deepEqual(resolveMountPaths(paths, o), [
    '/run/secrets/kubernetes.io/serviceaccount',
    '/run/real/x/f',
    // chain -> var/run -> /run, then .. climbs from /run to /
    '/run/y/f',
    // a loop is the kernel's ELOOP: left to the script
    '/loop/f',
    '/etc/hosts',
    // the container's own /tmp is not the node's
    '/tmp/link/f',
    '/data',
    // inside an earlier mount (a volume): not the node's root filesystem either
    '/data/var/run/f',
  ]);
  // Another filesystem (a tmpfs /run on the node) shows its own contents: nothing is resolved on it.
  assert.deepEqual(resolveMountPaths(['/var/run/a/f'], { ...o, rootDev: fs.statSync(root).dev + 1 }), ['/var/run/a/f']);
  fs.rmSync(root, { recursive: true, force: true });
});
