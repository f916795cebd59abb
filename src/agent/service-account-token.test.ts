import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import type { Client } from '../client/types.js';
import type { KubeObject } from '../api/resource.js';
import { TokenManager, requiresRefresh } from './service-account-token.js';

test('requiresRefresh: after 80% of the lifetime or 24 hours', () => {
  assert.equal(requiresRefresh({ issued: 0, expires: 1000 }, 799), false);
  assert.equal(requiresRefresh({ issued: 0, expires: 1000 }, 800), true);
  const year = 365 * 24 * 3600_000;
  assert.equal(requiresRefresh({ issued: 0, expires: year }, 24 * 3600_000 + 1), true);
});

test('TokenManager: requests a pod-bound token, reuses it, asks again near expiry', async () => {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const requests: KubeObject[] = [];
  const client = {
    async createSubresource(_res: unknown, ns: string, name: string, sub: string, body: KubeObject) {
      assert.deepEqual([ns, name, sub], ['shop', 'robot', 'token']);
      requests.push(body);
      const exp = new Date(clock.now().getTime() + (body.spec as { expirationSeconds: number }).expirationSeconds * 1000);
      return { status: { token: `t${requests.length}`, expirationTimestamp: exp.toISOString() } };
    },
  } as unknown as Client;
  const m = new TokenManager(client, clock);
  const wish = { expirationSeconds: 3600, podName: 'web', podUID: 'u1' };
  assert.equal(await m.getServiceAccountToken('shop', 'robot', wish), 't1');
  assert.deepEqual(requests[0].spec, { expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u1' } });
  await clock.step(2000 * 1000);
  assert.equal(await m.getServiceAccountToken('shop', 'robot', wish), 't1');
  await clock.step(900 * 1000); // 2900 s > 80% of 3600 s
  assert.equal(await m.getServiceAccountToken('shop', 'robot', wish), 't2');
  assert.equal(await m.getServiceAccountToken('shop', 'robot', { ...wish, audience: 'vault' }), 't3');
  assert.deepEqual((requests[2].spec as { audiences: string[] }).audiences, ['vault']);
});
