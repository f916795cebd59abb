import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicCredentials, parseChallenges, tokenRequestURL } from './auth.js';

test('Docker Hub bearer challenge', () => {
  const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
  assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } });
  const url = tokenRequestURL(c!, 'repository:library/nginx:pull');
  assert.equal(url.toString(), 'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull');
});

test('basic challenge, quoted escapes, several challenges in one header', () => {
  assert.deepEqual(parseChallenges('Basic realm="tskube \\"test\\""'), [{ scheme: 'basic', params: { realm: 'tskube "test"' } }]);
  const two = parseChallenges('Basic realm="a", Bearer realm="https://t/x", service=reg');
  assert.deepEqual(two.map((c) => c.scheme), ['basic', 'bearer']);
  assert.equal(two[1]!.params.service, 'reg');
  assert.deepEqual(parseChallenges('Basic'), [{ scheme: 'basic', params: {} }]);
});

test('credentials from username/password or the base64 auth field', () => {
  assert.deepEqual(basicCredentials({ username: 'u', password: 'p' }), { username: 'u', password: 'p' });
  assert.deepEqual(basicCredentials({ auth: Buffer.from('alice:pa:ss').toString('base64') }), { username: 'alice', password: 'pa:ss' });
  assert.equal(basicCredentials({}), undefined);
  assert.equal(basicCredentials(undefined), undefined);
});
