import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIDRError, contains, formatCIDR, formatIPv4, overlaps, parseCIDR, parseIPv4, size, subnet, subnetCount, subnetIndex } from './cidr.js';

test('parseIPv4/formatIPv4 round-trip; malformed addresses are undefined', () => {
  assert.equal(formatIPv4(parseIPv4('10.244.3.17')!), '10.244.3.17');
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['10.244.3', '256.1.1.1', '1.2.3.4.5', 'a.b.c.d', '01.2.3.4', '', '::1']) assert.equal(parseIPv4(bad), undefined, bad);
});

test('parseCIDR clears host bits and rejects what net.ParseCIDR rejects', () => {
  assert.equal(formatCIDR(parseCIDR('10.244.7.9/16')), '10.244.0.0/16');
  assert.equal(formatCIDR(parseCIDR('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatCIDR(parseCIDR('192.168.1.1/32')), '192.168.1.1/32');
  for (const bad of ['10.244.0.0', '10.244.0.0/33', '10.244.0.0/-1', 'x/8', '10.244.0.0/']) {
    assert.throws(() => parseCIDR(bad), (e: unknown) => e instanceof CIDRError && e.message === `invalid CIDR address: ${bad}`);
  }
});

test('size, contains, overlaps', () => {
  const c = parseCIDR('10.244.1.0/24');
  assert.equal(size(c), 256);
  assert.ok(contains(c, '10.244.1.255'));
  assert.ok(!contains(c, '10.244.2.0'));
  assert.ok(overlaps(parseCIDR('10.244.0.0/16'), c));
  assert.ok(overlaps(c, parseCIDR('10.244.0.0/16')));
  assert.ok(!overlaps(c, parseCIDR('10.244.2.0/24')));
  assert.ok(!overlaps(parseCIDR('10.96.0.0/12'), parseCIDR('10.244.0.0/16')));
});

test('subnets of a cluster CIDR: count, the i-th, and back to its index', () => {
  const cluster = parseCIDR('10.244.0.0/16');
  assert.equal(subnetCount(cluster, 24), 256);
  assert.equal(subnetCount(cluster, 16), 1);
  assert.equal(subnetCount(cluster, 8), 0);
  assert.equal(formatCIDR(subnet(cluster, 24, 0)), '10.244.0.0/24');
  assert.equal(formatCIDR(subnet(cluster, 24, 255)), '10.244.255.0/24');
  assert.equal(formatCIDR(subnet(parseCIDR('10.0.0.0/8'), 24, 300)), '10.1.44.0/24');
  assert.equal(subnetIndex(cluster, parseCIDR('10.244.42.0/24')), 42);
  assert.equal(subnetIndex(cluster, parseCIDR('10.245.0.0/24')), -1);
  assert.equal(subnetIndex(cluster, parseCIDR('10.0.0.0/8')), -1);
});
