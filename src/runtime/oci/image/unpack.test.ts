import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, stat, writeFile, lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarOf, type TarEntry } from '../testing/image-builder.js';
import { applyLayer, cleanPath, resolveInRoot } from './unpack.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-unpack-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function apply(root: string, entries: TarEntry[], compress: (b: Buffer) => Buffer = gzipSync): Promise<void> {
  const blob = join(root, '..', `layer-${Math.random().toString(36).slice(2)}`);
  await writeFile(blob, compress(await tarOf(entries)));
  await applyLayer(root, blob);
}

test('cleanPath keeps entries inside the root', () => {
  assert.equal(cleanPath('./a/b/'), 'a/b');
  assert.equal(cleanPath('/etc/passwd'), 'etc/passwd');
  assert.equal(cleanPath('../../etc/passwd'), 'etc/passwd');
  assert.equal(cleanPath('a/../../b'), 'b');
  assert.equal(cleanPath('./'), undefined);
});

test('layers stack: whiteouts delete, opaque directories hide lower entries but keep their own', async () => {
  await withDir(async (dir) => {
    const root = join(dir, 'rootfs');
    await apply(root, [
      { name: 'etc', type: 'directory' },
      { name: 'etc/a', content: 'a' },
      { name: 'etc/b', content: 'b' },
      { name: 'var', type: 'directory' },
      { name: 'var/lib', type: 'directory' },
      { name: 'var/lib/old', content: 'old' },
      { name: 'var/lib/sub', type: 'directory' },
      { name: 'var/lib/sub/x', content: 'x' },
    ]);
    await apply(root, [
      { name: 'etc/.wh.a' },
      { name: 'var/lib', type: 'directory' },
      { name: 'var/lib/new', content: 'new' },
      { name: 'var/lib/.wh..wh..opq' },
      { name: 'etc/b', content: 'B' },
    ]);
    assert.deepEqual((await readdir(join(root, 'etc'))).sort(), ['b']);
    assert.equal(await readFile(join(root, 'etc/b'), 'utf8'), 'B');
    assert.deepEqual(await readdir(join(root, 'var/lib')), ['new']);
  });
});

test('owners, modes, symlinks and hard links are kept', async () => {
  await withDir(async (dir) => {
    const root = join(dir, 'rootfs');
    await apply(root, [
      { name: 'bin', type: 'directory' },
      { name: 'bin/tool', content: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1001 },
      { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
      { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
      { name: 'tmp', type: 'directory', mode: 0o1777 },
    ]);
    const st = await stat(join(root, 'bin/tool'));
    if (process.getuid?.() === 0) {
      assert.equal(st.uid, 1000);
      assert.equal(st.gid, 1001);
      assert.equal(st.mode & 0o7777, 0o4755);
    }
    assert.equal(st.nlink, 2);
    assert.equal(await readlink(join(root, 'bin/alias')), 'tool');
    assert.equal((await stat(join(root, 'tmp'))).mode & 0o7777, 0o1777);
  });
});

test('a layer cannot write outside the root through ../ names or symlinks', async () => {
  await withDir(async (dir) => {
    const root = join(dir, 'rootfs');
    await apply(root, [
      { name: '../escaped', content: 'no' },
      { name: 'evil', type: 'symlink', linkname: '/' },
      { name: 'up', type: 'symlink', linkname: '../../..' },
    ]);
    await apply(root, [
      { name: 'evil/etc', type: 'directory' },
      { name: 'evil/etc/shadow', content: 'x' },
      { name: 'up/outside', content: 'x' },
      { name: 'hard', type: 'link', linkname: '../../../etc/hostname' },
    ]).catch(() => {});
    await assert.rejects(lstat(join(dir, 'escaped')));
    await assert.rejects(lstat(join(dir, 'outside')));
    assert.equal(await readFile(join(root, 'escaped'), 'utf8'), 'no');
    assert.equal(await readFile(join(root, 'etc/shadow'), 'utf8'), 'x');
    assert.equal(await readFile(join(root, 'outside'), 'utf8'), 'x');
    assert.equal(await resolveInRoot(root, 'evil/../up/../x', false), join(root, 'x'));
  });
});

test('a zstd-compressed layer', { skip: spawnSync('zstd', ['--version']).status === 0 ? false : 'zstd not installed — apt-get install zstd' }, async () => {
  await withDir(async (dir) => {
    const root = join(dir, 'rootfs');
    await apply(root, [{ name: 'hello', content: 'zstd!' }], (b) => spawnSync('zstd', ['-q', '-c'], { input: b }).stdout);
    assert.equal(await readFile(join(root, 'hello'), 'utf8'), 'zstd!');
  });
});
