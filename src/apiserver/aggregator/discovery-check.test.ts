import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { realClock } from '../../util/clock.js';
import { checkDiscovery, httpsDiscoveryFetcher, type CheckResult } from './discovery-check.js';
import type { ProxyTarget } from './proxy.js';
import { startWardleServer, type WardleServer } from './testing.js';

describe('discovery check', () => {
  let wardle: WardleServer;
  before(async () => { wardle = await startWardleServer({ namespace: 'ns', service: 'api' }); });
  after(async () => { await wardle?.close(); });
  const target = (port: number): ProxyTarget => ({ address: { host: '127.0.0.1', port }, serverName: 'api.ns.svc', insecureSkipTLSVerify: false });
  const fetch = httpsDiscoveryFetcher(realClock);

  it('a 2xx answer passes with its body, asked as system:kube-aggregator', async () => {
    const r = await fetch(target(wardle.port), '/apis/wardle.example.com/v1alpha1');
    assert.equal(r.ok, true);
    assert.match((r as { body: string }).body, /"flunders"/);
    assert.deepEqual([wardle.requests.at(-1)!.user, wardle.requests.at(-1)!.groups], ['system:kube-aggregator', ['system:masters']]);
  });

  it('another status fails in kube-aggregator\'s words', async () => {
    const url = `https://127.0.0.1:${wardle.port}/apis/nope/v1`;
    assert.deepEqual(await fetch(target(wardle.port), '/apis/nope/v1'), { ok: false, message: `failing or missing response from ${url}: bad status from ${url}: 404` });
  });

  it('a refused connection is Go\'s dial error', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const url = `https://127.0.0.1:${port}/apis/g/v1`;
    assert.deepEqual(await fetch(target(port), '/apis/g/v1'), { ok: false, message: `failing or missing response from ${url}: Get "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });

  it('checkDiscovery: one success among the attempts is enough; without one the last failure is reported', async () => {
    const seq: CheckResult[] = [{ ok: false, message: 'a' }, { ok: true, body: 'ok' }, { ok: false, message: 'c' }];
    assert.deepEqual(await checkDiscovery(() => target(1), '/x', async () => seq.shift() ?? { ok: false, message: 'z' }), { ok: true, body: 'ok' });
    const r = await checkDiscovery(() => { throw new Error('no endpoints available for service "api"'); }, '/x', async () => ({ ok: true, body: '' }), 3);
    assert.deepEqual(r, { ok: false, message: 'no endpoints available for service "api"' });
  });
});
