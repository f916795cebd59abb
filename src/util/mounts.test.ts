import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasOwnFilesystem, isMountPoint, mountPoints, mountPointsUnder, parseMountPoints } from './mounts.js';

test('mountPointsUnder: only paths at or below the directory (not a sibling sharing its prefix), unescaped, deepest first', () => {
  const info = [
    '36 35 98:0 / /tmp/c1/nodes/host01/sandboxes/a/uts rw - nsfs nsfs rw',
    '37 35 98:0 / /tmp/c1/nodes/host01/sandboxes/a/shm rw - tmpfs shm rw',
    '38 35 98:0 / /tmp/c1/nodes/host01/containers/b/merged rw - overlay overlay rw',
    '39 38 98:0 / /tmp/c1/nodes/host01/containers/b/merged/proc rw - proc proc rw',
    '40 35 98:0 / /tmp/c10/nodes/host01/sandboxes/z/uts rw - nsfs nsfs rw',
    '41 35 98:0 / /tmp/c1/nodes/host01/with\\040space rw - tmpfs t rw',
    '',
  ].join('\n');
  assert.deepEqual(mountPointsUnder('/tmp/c1/nodes/host01', info), [
    '/tmp/c1/nodes/host01/containers/b/merged/proc', '/tmp/c1/nodes/host01/containers/b/merged',
    '/tmp/c1/nodes/host01/sandboxes/a/uts', '/tmp/c1/nodes/host01/sandboxes/a/shm', '/tmp/c1/nodes/host01/with space',
  ]);
});

test('parseMountPoints: field 5, octal escapes undone; this process sees / mounted', () => {
  assert.deepEqual(parseMountPoints('22 1 0:21 / /proc rw - proc proc rw\n23 1 0:5 / /a\\011b rw - tmpfs t rw\n'), ['/proc', '/a\tb']);
  assert.ok(mountPoints().includes('/'));
  assert.equal(isMountPoint('/'), true);
  assert.equal(isMountPoint('/definitely/not/a/mount'), false);
});

test('hasOwnFilesystem: /proc is a filesystem of its own; a plain directory, a plain file and a missing path are not', () => {
  assert.equal(hasOwnFilesystem('/proc'), true);
  assert.equal(hasOwnFilesystem('/proc/'), true);
  const dir = mkdtempSync(join(tmpdir(), 'own-fs-'));
  try {
    writeFileSync(join(dir, 'placeholder'), '');
    assert.equal(hasOwnFilesystem(dir), false);
    assert.equal(hasOwnFilesystem(join(dir, 'placeholder')), false);
    assert.equal(hasOwnFilesystem(join(dir, 'missing')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
