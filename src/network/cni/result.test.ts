import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResult, podIPs, ResultParseError } from './result.js';

// What Debian's bridge plugin (1.1.1) prints for an ADD with cniVersion 1.0.0.
const BRIDGE_100 = `{
    "cniVersion": "1.0.0",
    "interfaces": [
        { "name": "tsk-host01-ab12", "mac": "1a:3c:41:19:f4:7e" },
        { "name": "veth7e77a1e1", "mac": "6e:02:f7:b9:9d:a0" },
        { "name": "eth0", "mac": "fa:61:1e:77:f1:47", "sandbox": "/run/netns/tskube-abc" }
    ],
    "ips": [ { "interface": 2, "address": "10.244.1.2/24", "gateway": "10.244.1.1" } ],
    "routes": [ { "dst": "0.0.0.0/0" } ],
    "dns": {}
}`;

test('a 1.0.0 result: interfaces, ips with their interface index, routes', () => {
  const r = parseResult(BRIDGE_100);
  assert.equal(r.cniVersion, '1.0.0');
  assert.deepEqual(r.ips, [{ address: '10.244.1.2/24', gateway: '10.244.1.1', interface: 2 }]);
  assert.equal(r.interfaces[2].sandbox, '/run/netns/tskube-abc');
  assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0' }]);
  assert.deepEqual(podIPs(r), ['10.244.1.2']);
});

test('0.3.1 / 0.4.0 results carry a version per address, which is dropped', () => {
  const r = parseResult({ cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ version: '4', interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }] });
  assert.deepEqual(r.ips, [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 }]);
  assert.deepEqual(r.routes, []);
});

test('0.2.0 results (ip4/ip6 objects) are converted', () => {
  const r = parseResult({ cniVersion: '0.2.0', ip4: { ip: '10.2.0.9/24', gateway: '10.2.0.1', routes: [{ dst: '0.0.0.0/0' }] }, ip6: { ip: 'fd00::9/64' } });
  assert.deepEqual(r.ips, [{ address: '10.2.0.9/24', gateway: '10.2.0.1' }, { address: 'fd00::9/64' }]);
  assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0' }]);
  assert.deepEqual(podIPs(r), ['10.2.0.9', 'fd00::9']);
});

test('pod IPs: IPv4 first; addresses on host-side interfaces are not the pod\'s', () => {
  const r = parseResult({
    cniVersion: '1.0.0',
    interfaces: [{ name: 'br0' }, { name: 'eth0', sandbox: '/run/netns/x' }],
    ips: [{ address: 'fd00::5/64', interface: 1 }, { address: '10.0.0.1/24', interface: 0 }, { address: '10.0.0.5/24', interface: 1 }],
  });
  assert.deepEqual(podIPs(r), ['10.0.0.5', 'fd00::5']);
});

test('not a result: ResultParseError', () => {
  assert.throws(() => parseResult('not json'), ResultParseError);
  assert.throws(() => parseResult('[1]'), ResultParseError);
  assert.throws(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: 5 }] }), /ips\[\]\.address is not a string/);
});
