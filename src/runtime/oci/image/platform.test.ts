import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Descriptor } from './distribution.js';
import { nodePlatform, selectManifest } from './platform.js';

const d = (digest: string, architecture: string, variant?: string, os = 'linux'): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

test('a manifest list resolves to linux/<node arch>; attestations (unknown/unknown) are never chosen', () => {
  const list = [d('att', 'unknown', undefined, 'unknown'), d('arm', 'arm', 'v7'), d('arm64', 'arm64', 'v8'), d('amd', 'amd64'), d('win', 'amd64', undefined, 'windows')];
  assert.equal(selectManifest(list, nodePlatform('x64'))?.digest, 'amd');
  assert.equal(selectManifest(list, nodePlatform('arm64'))?.digest, 'arm64');
  assert.equal(selectManifest(list, nodePlatform('arm'))?.digest, 'arm');
  assert.equal(selectManifest([d('x', 'arm', 'v6'), d('y', 'arm', 'v7')], nodePlatform('arm'))?.digest, 'y');
  assert.equal(selectManifest([d('arm64', 'arm64')], nodePlatform('x64')), undefined);
  assert.deepEqual(nodePlatform('x64'), { os: 'linux', architecture: 'amd64' });
});
