import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familiarName, normalizeReference, parseReference } from './reference.js';

const D = 'sha256:' + 'a'.repeat(64);

test('Docker Hub short names get docker.io/library/ and :latest', () => {
  assert.equal(normalizeReference('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeReference('nginx:1.27'), 'docker.io/library/nginx:1.27');
  assert.equal(normalizeReference('bitnami/redis'), 'docker.io/bitnami/redis:latest');
  assert.equal(normalizeReference('index.docker.io/library/busybox:1'), 'docker.io/library/busybox:1');
  assert.equal(normalizeReference('docker.io/busybox'), 'docker.io/library/busybox:latest');
});

test('a first component with a dot, a port or localhost is a registry', () => {
  assert.deepEqual(parseReference('127.0.0.1:5000/team/app:v2'), { domain: '127.0.0.1:5000', path: 'team/app', tag: 'v2' });
  assert.deepEqual(parseReference('localhost/app'), { domain: 'localhost', path: 'app', tag: 'latest' });
  assert.deepEqual(parseReference('registry.k8s.io/pause:3.10'), { domain: 'registry.k8s.io', path: 'pause', tag: '3.10' });
  assert.deepEqual(parseReference('localhost:5000/app'), { domain: 'localhost:5000', path: 'app', tag: 'latest' });
});

test('digests, with or without a tag; no default tag beside a digest', () => {
  assert.deepEqual(parseReference(`busybox@${D}`), { domain: 'docker.io', path: 'library/busybox', digest: D });
  assert.equal(normalizeReference(`busybox:1@${D}`), `docker.io/library/busybox:1@${D}`);
  assert.equal(normalizeReference(`127.0.0.1:5000/a@${D}`), `127.0.0.1:5000/a@${D}`);
});

test('invalid references are refused', () => {
  assert.throws(() => parseReference('Nginx'), /must be lowercase/);
  assert.throws(() => parseReference(''), /invalid reference format/);
  assert.throws(() => parseReference('nginx:bad tag'), /invalid reference format/);
  assert.throws(() => parseReference('nginx@sha256:abc'), /invalid checksum digest/);
  assert.throws(() => parseReference('a//b'), /invalid reference format/);
  assert.throws(() => parseReference('-a'), /invalid reference format/);
});

test('familiar names drop docker.io/library/', () => {
  assert.equal(familiarName('docker.io/library/nginx'), 'nginx');
  assert.equal(familiarName('docker.io/bitnami/redis'), 'bitnami/redis');
  assert.equal(familiarName('127.0.0.1:5000/a'), '127.0.0.1:5000/a');
});
