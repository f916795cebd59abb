import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReference } from './reference.js';
import { emptyRegistriesConfig, endpointsFor, isLoopbackHost, parseRegistriesConfig } from './registries.js';

test('without configuration: Docker Hub over https at registry-1.docker.io, loopback registries over plain HTTP', () => {
  const cfg = emptyRegistriesConfig();
  assert.deepEqual(endpointsFor(parseReference('nginx'), cfg).map((e) => [e.base, e.path]), [['https://registry-1.docker.io', 'library/nginx']]);
  assert.equal(endpointsFor(parseReference('127.0.0.1:5000/a'), cfg)[0]!.base, 'http://127.0.0.1:5000');
  assert.equal(endpointsFor(parseReference('localhost:5000/a'), cfg)[0]!.base, 'http://localhost:5000');
  assert.equal(endpointsFor(parseReference('registry.example.com/a'), cfg)[0]!.base, 'https://registry.example.com');
  assert.ok(isLoopbackHost('127.1.2.3:80') && isLoopbackHost('[::1]:5000') && !isLoopbackHost('10.0.0.1:5000'));
});

test("registries.yaml as k3s's: mirrors with rewrites, then the registry; credentials and TLS per host", () => {
  const cfg = parseRegistriesConfig(`
mirrors:
  docker.io:
    endpoint:
      - "http://10.0.0.5:5000"
    rewrite:
      "^library/(.*)": "hub/$1"
  myreg.local:5000:
    endpoint: ["http://myreg.local:5000"]
configs:
  "10.0.0.5:5000":
    auth: { username: u, password: p }
  registry.example.com:
    tls: { insecure_skip_verify: true }
`);
  const hub = endpointsFor(parseReference('busybox'), cfg);
  assert.deepEqual(hub.map((e) => [e.base, e.path, e.mirror]), [['http://10.0.0.5:5000', 'hub/busybox', true], ['https://registry-1.docker.io', 'library/busybox', false]]);
  assert.deepEqual(hub[0]!.auth, { username: 'u', password: 'p' });
  assert.deepEqual(endpointsFor(parseReference('myreg.local:5000/x'), cfg).map((e) => e.base), ['http://myreg.local:5000']);
  assert.equal(endpointsFor(parseReference('registry.example.com/x'), cfg)[0]!.tls.insecureSkipVerify, true);
});
