import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsFor, credentialsFromPullSecrets, keyringFromSecretData, keyringFromSecrets, registryKey, urlsMatch } from './image-credentials.js';

const cfgjson = (auths: Record<string, object>) => ({ '.dockerconfigjson': JSON.stringify({ auths }) });
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('registry keys: scheme stripped, /v1/ and /v2/ dropped, paths kept', () => {
  assert.equal(registryKey('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(registryKey('http://127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(registryKey('registry.example.com/team/'), 'registry.example.com/team');
  assert.equal(registryKey('quay.io/v2/'), 'quay.io');
});

test('matching: host labels as globs, ports exact, path prefixes', () => {
  assert.ok(urlsMatch('*.example.com', 'registry.example.com/team/app'));
  assert.ok(!urlsMatch('*.example.com', 'a.b.example.com/app'));
  assert.ok(!urlsMatch('*.example.com', 'example.com/app'));
  assert.ok(urlsMatch('127.0.0.1:5000', '127.0.0.1:5000/x'));
  assert.ok(!urlsMatch('127.0.0.1:5000', '127.0.0.1:5001/x'));
  assert.ok(!urlsMatch('127.0.0.1:5000', '127.0.0.1/x'));
  assert.ok(urlsMatch('quay.io/team', 'quay.io/team/app'));
  assert.ok(!urlsMatch('quay.io/team', 'quay.io/other/app'));
});

test('the most specific key comes first; the image tag and digest do not matter', () => {
  const kr = keyringFromSecretData([
    cfgjson({ 'quay.io': { username: 'host', password: 'h' } }),
    cfgjson({ 'quay.io/team': { auth: b64('team:t') } }),
    cfgjson({ '*.io': { username: 'glob', password: 'g' } }),
  ]);
  assert.deepEqual(credentialsFor('quay.io/team/app:1.0', kr).map((c) => c.username), ['team', 'host', 'glob']);
  assert.deepEqual(credentialsFor('quay.io/other/app@sha256:' + 'a'.repeat(64), kr).map((c) => c.username), ['host', 'glob']);
  assert.deepEqual(credentialsFor('ghcr.io/x/y', kr).map((c) => c.username), ['glob']);
  assert.deepEqual(credentialsFor('registry.k8s.io/pause', kr), []);
  assert.equal(credentialsFor('quay.io/team/app', kr)[0]!.password, 't');
});

test('Docker Hub aliases: index.docker.io, https://index.docker.io/v1/ and docker.io all serve Docker Hub images', () => {
  for (const key of ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io']) {
    const kr = keyringFromSecretData([cfgjson({ [key]: { username: 'hub', password: 'p' } })]);
    assert.deepEqual(credentialsFor('nginx', kr).map((c) => c.username), ['hub'], key);
    assert.deepEqual(credentialsFor('bitnami/redis:7', kr).map((c) => c.username), ['hub'], key);
    assert.deepEqual(credentialsFor('docker.io/library/busybox', kr).map((c) => c.username), ['hub'], key);
    assert.deepEqual(credentialsFor('127.0.0.1:5000/busybox', kr), [], key);
  }
});

test('kubernetes.io/dockercfg secrets and Secret objects with base64 data', () => {
  const kr = keyringFromSecrets([
    { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ '127.0.0.1:5000': { auth: b64('alice:wonderland'), email: 'a@b' } })) } },
    { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('not json') } },
  ]);
  const [c] = credentialsFor('127.0.0.1:5000/secret/busybox:1', kr);
  assert.equal(c!.username, 'alice');
  assert.equal(c!.password, 'wonderland');
  assert.equal(c!.serverAddress, '127.0.0.1:5000');
  assert.deepEqual(credentialsFromPullSecrets('127.0.0.1:5000/x', [{ '.dockercfg': JSON.stringify({ 'http://127.0.0.1:5000': { username: 'u', password: 'p' } }) }]).map((a) => a.username), ['u']);
});
