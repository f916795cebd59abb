import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodIPs } from './pod-ips.js';

test('PodIPs: none without a range; the lowest free address from .2 on; released ones are free again; reserved ones skipped', () => {
  const ips = new PodIPs();
  assert.equal(ips.allocate(), undefined);
  ips.setCIDR('10.244.7.0/30');
  assert.equal(ips.hasCIDR, true);
  // A /30 has .0 (network), .1 (bridge), .2, .3 (broadcast): one pod address.
  assert.equal(ips.allocate(), '10.244.7.2');
  assert.equal(ips.allocate(), undefined, 'full');
  ips.release('10.244.7.2');
  assert.equal(ips.allocate(), '10.244.7.2');
  const big = new PodIPs();
  big.setCIDR('10.244.8.0/24');
  big.reserve('10.244.8.2');
  assert.equal(big.allocate(), '10.244.8.3');
  assert.equal(big.allocate(), '10.244.8.4');
});
