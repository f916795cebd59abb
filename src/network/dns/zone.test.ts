import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ClusterZone, type ZoneAnswer } from './zone.js';

const services: Service[] = [
  { metadata: { namespace: 'default', name: 'backend' }, spec: { clusterIP: '10.96.4.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } },
  { metadata: { namespace: 'default', name: 'sleep' }, spec: { clusterIP: 'None', ports: [{ name: 'web', port: 80, protocol: 'TCP' }] } },
  { metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } },
  { metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } },
];
const slices: Record<string, EndpointSlice[]> = {
  'default/sleep': [{
    addressType: 'IPv4', ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.244.0.7'], hostname: 'sleep-0', conditions: { ready: true } },
      { addresses: ['10.244.1.8'], hostname: 'sleep-1', conditions: { ready: true } },
      { addresses: ['10.244.1.9'], conditions: { ready: true } },
      { addresses: ['10.244.1.10'], hostname: 'sleep-3', conditions: { ready: false } },
    ],
  }],
};
const zone = new ClusterZone({
  services: () => services,
  slicesFor: (ns, name) => slices[`${ns}/${name}`] ?? [],
  namespaceExists: (ns) => ['default', 'kube-system'].includes(ns),
}, { serial: () => 1700000000 });

const short = (a: ZoneAnswer | undefined) => a && {
  rcode: a.rcode,
  answers: a.answers.map((r) => `${r.name} ${r.type} ${typeof r.data === 'string' ? r.data : r.type === 'SRV' ? `${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}` : 'SOA'}`),
  extra: a.additionals.map((r) => `${r.name} ${r.type} ${r.data as string}`),
  soa: a.authorities.length > 0,
};

const cases: [string, string, ReturnType<typeof short>][] = [
  ['backend.default.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: ['backend.default.svc.cluster.local A 10.96.4.5'], extra: [], soa: false }],
  ['Backend.Default.svc.cluster.local.', 'A', { rcode: 'NOERROR', answers: ['backend.default.svc.cluster.local A 10.96.4.5'], extra: [], soa: false }],
  ['backend.default.svc.cluster.local', 'AAAA', { rcode: 'NOERROR', answers: [], extra: [], soa: true }],
  ['nothere.default.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['backend.default.svc.default.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['backend.nons.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['default.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: [], extra: [], soa: true }],
  ['nons.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['_http._tcp.backend.default.svc.cluster.local', 'SRV', { rcode: 'NOERROR', answers: ['_http._tcp.backend.default.svc.cluster.local SRV 0 100 80 backend.default.svc.cluster.local'], extra: ['backend.default.svc.cluster.local A 10.96.4.5'], soa: false }],
  ['_dns._udp.backend.default.svc.cluster.local', 'SRV', { rcode: 'NOERROR', answers: ['_dns._udp.backend.default.svc.cluster.local SRV 0 100 53 backend.default.svc.cluster.local'], extra: ['backend.default.svc.cluster.local A 10.96.4.5'], soa: false }],
  ['_http._udp.backend.default.svc.cluster.local', 'SRV', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['sleep.default.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: ['sleep.default.svc.cluster.local A 10.244.0.7', 'sleep.default.svc.cluster.local A 10.244.1.8', 'sleep.default.svc.cluster.local A 10.244.1.9'], extra: [], soa: false }],
  ['sleep-0.sleep.default.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: ['sleep-0.sleep.default.svc.cluster.local A 10.244.0.7'], extra: [], soa: false }],
  ['10-244-1-9.sleep.default.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: ['10-244-1-9.sleep.default.svc.cluster.local A 10.244.1.9'], extra: [], soa: false }],
  ['sleep-3.sleep.default.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['_web._tcp.sleep.default.svc.cluster.local', 'SRV', { rcode: 'NOERROR', answers: [
    '_web._tcp.sleep.default.svc.cluster.local SRV 0 33 8080 sleep-0.sleep.default.svc.cluster.local',
    '_web._tcp.sleep.default.svc.cluster.local SRV 0 33 8080 sleep-1.sleep.default.svc.cluster.local',
    '_web._tcp.sleep.default.svc.cluster.local SRV 0 33 8080 10-244-1-9.sleep.default.svc.cluster.local',
  ], extra: ['sleep-0.sleep.default.svc.cluster.local A 10.244.0.7', 'sleep-1.sleep.default.svc.cluster.local A 10.244.1.8', '10-244-1-9.sleep.default.svc.cluster.local A 10.244.1.9'], soa: false }],
  ['ext.default.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: ['ext.default.svc.cluster.local CNAME example.com'], extra: [], soa: false }],
  ['10-244-0-7.default.pod.cluster.local', 'A', { rcode: 'NOERROR', answers: ['10-244-0-7.default.pod.cluster.local A 10.244.0.7'], extra: [], soa: false }],
  ['10.0.96.10.in-addr.arpa', 'PTR', { rcode: 'NOERROR', answers: ['10.0.96.10.in-addr.arpa PTR kube-dns.kube-system.svc.cluster.local'], extra: [], soa: false }],
  ['7.0.244.10.in-addr.arpa', 'PTR', { rcode: 'NOERROR', answers: ['7.0.244.10.in-addr.arpa PTR sleep-0.sleep.default.svc.cluster.local'], extra: [], soa: false }],
  ['backend.default.svc', 'A', { rcode: 'NOERROR', answers: ['backend.default.svc CNAME backend.default.svc.cluster.local', 'backend.default.svc.cluster.local A 10.96.4.5'], extra: [], soa: false }],
  ['backend.default.svc', 'AAAA', { rcode: 'NOERROR', answers: ['backend.default.svc CNAME backend.default.svc.cluster.local'], extra: [], soa: true }],
  ['nothere.default.svc', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
  ['backend.default', 'A', { rcode: 'NOERROR', answers: ['backend.default CNAME backend.default.svc.cluster.local', 'backend.default.svc.cluster.local A 10.96.4.5'], extra: [], soa: false }],
  // HOSTNAME.SERVICE and HOSTNAME.SERVICE.NAMESPACE, as busybox's nslookup sends them (the StatefulSet tutorial's web-0.nginx)
  ['sleep-0.sleep', 'A', { rcode: 'NOERROR', answers: ['sleep-0.sleep CNAME sleep-0.sleep.default.svc.cluster.local', 'sleep-0.sleep.default.svc.cluster.local A 10.244.0.7'], extra: [], soa: false }],
  ['sleep-0.sleep.default', 'A', { rcode: 'NOERROR', answers: ['sleep-0.sleep.default CNAME sleep-0.sleep.default.svc.cluster.local', 'sleep-0.sleep.default.svc.cluster.local A 10.244.0.7'], extra: [], soa: false }],
  ['cluster.local', 'A', { rcode: 'NOERROR', answers: [], extra: [], soa: true }],
  ['foo.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [], extra: [], soa: true }],
];

for (const [name, type, want] of cases) {
  test(`${type} ${name}`, () => assert.deepEqual(short(zone.answer(name, type)), want));
}

test('names outside the zone and unknown reverse names are for the upstream resolvers', () => {
  assert.equal(zone.answer('example.com', 'A'), undefined);
  // SERVICE.NAMESPACE only where that Service exists: nothere.default may be someone's public name
  assert.equal(zone.answer('nothere.default', 'A'), undefined);
  // HOSTNAME.SERVICE only where that Service has an endpoint of that hostname
  assert.equal(zone.answer('sleep-9.sleep', 'A'), undefined);
  assert.equal(zone.answer('sleep-0.sleep.other', 'A'), undefined);
  assert.equal(zone.answer('8.8.8.8.in-addr.arpa', 'PTR'), undefined);
  assert.equal(zone.answer('cluster.local', 'SOA')?.answers[0].type, 'SOA');
});
