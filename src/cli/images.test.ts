import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredImage } from '../runtime/oci/image/types.js';
import { formatTable, humanSize, imageRows, nodeRootDirs } from './images.js';

const img = (o: Partial<StoredImage>): StoredImage => ({
  id: 'sha256:' + 'ab'.repeat(32),
  repoTags: [],
  repoDigests: [],
  size: 2_155_000,
  config: { entrypoint: [], cmd: [], env: {} },
  layers: [],
  manifestDigest: 'sha256:' + 'cd'.repeat(32),
  lastUsed: '2026-01-01T00:00:00Z',
  ...o,
});

test('sizes as crictl prints them (decimal units, 3 significant digits)', () => {
  assert.equal(humanSize(500), '500B');
  assert.equal(humanSize(2_155_000), '2.15MB');
  assert.equal(humanSize(72_800_000), '72.8MB');
  assert.equal(humanSize(4_000_000), '4MB');
  assert.equal(humanSize(1234), '1.23kB');
});

test('rows per tag; an untagged image shows its digest name and <none>; columns padded as crictl', () => {
  const rows = imageRows([
    img({ repoTags: ['docker.io/library/busybox:1.36', 'docker.io/library/busybox:latest'] }),
    img({ id: 'sha256:' + '12'.repeat(32), repoDigests: ['127.0.0.1:5000/app@sha256:' + 'ef'.repeat(32)], size: 500 }),
  ]);
  assert.deepEqual(rows, [
    ['127.0.0.1:5000/app', '<none>', '1212121212121', '500B'],
    ['docker.io/library/busybox', '1.36', 'abababababababab'.slice(0, 13), '2.15MB'],
    ['docker.io/library/busybox', 'latest', 'abababababababab'.slice(0, 13), '2.15MB'],
  ]);
  const table = formatTable(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], rows);
  assert.match(table.split('\n')[0]!, /^IMAGE {23}TAG {17}IMAGE ID {12}SIZE$/);
});

test('node selection: --root-dir, --node, the first node, host01 before any start, --all-nodes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-images-cli-'));
  try {
    assert.deepEqual(nodeRootDirs({ dataDir: dir }), [join(dir, 'nodes', 'host01')]);
    assert.throws(() => nodeRootDirs({ dataDir: dir, allNodes: true }), /no node/);
    mkdirSync(join(dir, 'nodes', 'host02'), { recursive: true });
    mkdirSync(join(dir, 'nodes', 'host03'), { recursive: true });
    assert.deepEqual(nodeRootDirs({ dataDir: dir }), [join(dir, 'nodes', 'host02')]);
    assert.deepEqual(nodeRootDirs({ dataDir: dir, node: 'host03' }), [join(dir, 'nodes', 'host03')]);
    assert.deepEqual(nodeRootDirs({ dataDir: dir, allNodes: true }), [join(dir, 'nodes', 'host02'), join(dir, 'nodes', 'host03')]);
    assert.deepEqual(nodeRootDirs({ rootDir: '/x' }), ['/x']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
