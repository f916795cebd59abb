import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterDNSIP, kubernetesServiceIP, parseServiceClusterIPRange, parseServiceNodePortRange } from './service-ranges.js';

test('--service-cluster-ip-range: canonical form; kubernetes gets the first address, cluster DNS the tenth', () => {
  assert.equal(parseServiceClusterIPRange('10.96.0.0/12'), '10.96.0.0/12');
  assert.equal(parseServiceClusterIPRange('10.100.7.9/24'), '10.100.7.0/24');
  assert.equal(kubernetesServiceIP(), '10.96.0.1');
  assert.equal(clusterDNSIP(), '10.96.0.10');
  assert.equal(kubernetesServiceIP('10.100.7.0/24'), '10.100.7.1');
  assert.equal(clusterDNSIP('10.100.7.0/24'), '10.100.7.10');
});

test('--service-cluster-ip-range: kube-apiserver\'s messages for a bad, too large or too small range', () => {
  assert.throws(() => parseServiceClusterIPRange('10.96.0.0'), { message: 'service-cluster-ip-range[0] is not a valid cidr' });
  assert.throws(() => parseServiceClusterIPRange('300.1.0.0/16'), { message: 'service-cluster-ip-range[0] is not a valid cidr' });
  assert.throws(() => parseServiceClusterIPRange('10.0.0.0/8'), { message: 'specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12' });
  assert.throws(() => parseServiceClusterIPRange('10.96.0.0/30'), { message: 'error determining service IP ranges for primary service cidr: the service cluster IP range must be at least 8 IP addresses' });
  assert.equal(parseServiceClusterIPRange('10.96.0.0/29'), '10.96.0.0/29');
  assert.throws(() => parseServiceClusterIPRange('10.96.0.0/12,fd00::/108,10.0.0.0/16'), { message: '--service-cluster-ip-range must not contain more than two entries' });
  assert.throws(() => parseServiceClusterIPRange('10.96.0.0/12,fd00::/108'), /dual-stack/);
});

test('--service-node-port-range: low-high, low+offset, one port; PortRange.Set\'s messages', () => {
  assert.equal(parseServiceNodePortRange('30000-32767'), '30000-32767');
  assert.equal(parseServiceNodePortRange(' 31000+100 '), '31000-31100');
  assert.equal(parseServiceNodePortRange('31000'), '31000-31000');
  assert.equal(parseServiceNodePortRange(''), '30000-32767');
  assert.throws(() => parseServiceNodePortRange('30000-x'), { message: 'strconv.Atoi: parsing "x": invalid syntax' });
  assert.throws(() => parseServiceNodePortRange('30000-70000'), { message: 'the port range cannot be greater than 65535: 30000-70000' });
  assert.throws(() => parseServiceNodePortRange('32000-31000'), { message: 'end port cannot be less than start port: 32000-31000' });
  assert.throws(() => parseServiceNodePortRange('1-2+3'), { message: 'unable to parse port range: 1-2+3' });
});
