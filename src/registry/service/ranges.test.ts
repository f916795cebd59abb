import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inRange, nodePortRange, pickFree, serviceIPRange } from './ranges.js';
import { formatIPv4, parseIPv4 } from '../../network/cidr.js';

test('service CIDR: network and broadcast excluded, static band of size/16 capped at 256', () => {
  const r = serviceIPRange('10.96.0.0/12');
  assert.equal(formatIPv4(r.base), '10.96.0.1');
  assert.equal(r.size, 2 ** 20 - 2);
  assert.equal(r.offset, 256);
  assert.equal(r.text, '10.96.0.0/12');
  assert.ok(inRange(r, parseIPv4('10.111.255.254')!));
  assert.ok(!inRange(r, parseIPv4('10.111.255.255')!));
  assert.ok(!inRange(r, parseIPv4('10.96.0.0')!));
  const small = serviceIPRange('10.96.0.0/28');
  assert.equal(small.size, 14);
  assert.equal(small.offset, 16, 'a range of 16 addresses: size/16 is below the minimum of 16');
  assert.equal(serviceIPRange('10.0.0.0/29').offset, 0, 'fewer than 16 addresses: no static band');
});

test('node port range: 30000-32767 with a static band of 86 ports', () => {
  const r = nodePortRange();
  assert.equal(r.base, 30000);
  assert.equal(r.size, 2768);
  assert.equal(r.offset, 86);
  assert.equal(r.text, '30000-32767');
  assert.throws(() => nodePortRange('3-1'), /invalid port range/);
  assert.equal(nodePortRange('30000-30009').offset, 0);
});

test('pickFree prefers the dynamic band and falls back to the static one when it is full', () => {
  const r = nodePortRange('30000-30099');
  assert.equal(r.offset, 16);
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const v = pickFree(r, () => false)!;
    assert.ok(v >= 30016 && v <= 30099, `dynamic pick ${v}`);
    seen.add(v);
  }
  assert.ok(seen.size > 1, 'random starts');
  // Everything in the upper band taken: the lower band serves.
  const v = pickFree(r, (x) => x >= 30016)!;
  assert.ok(v >= 30000 && v < 30016);
  assert.equal(pickFree(r, () => true), undefined);
  // The scan wraps within the band from a random start.
  assert.equal(pickFree(r, (x) => x !== 30016, () => 0.99), 30016);
});
