import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { renderResolvConf } from '../runtime/sandbox/resolv-conf.js';
import { mergeDNSOptions, podDNS, type DNSSettings } from './pod-dns.js';

const settings: DNSSettings = {
  clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local',
  host: { servers: ['10.255.255.53'], searches: ['corp.example'], options: ['timeout:2'] },
};
const pod = (spec: Partial<PodSpec> = {}, ns = 'shop'): Pod => ({ metadata: { name: 'p', namespace: ns }, spec: { containers: [], ...spec } });
const resolv = (spec: Partial<PodSpec>, s = settings) => renderResolvConf(podDNS(pod(spec), s).config);

// Each dnsPolicy, rendered as the pod's /etc/resolv.conf.
const table: { name: string; spec: Partial<PodSpec>; want: string }[] = [
  {
    name: 'ClusterFirst (default): cluster DNS, the namespace search path then the host\'s, ndots:5',
    spec: {},
    want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n',
  },
  {
    name: 'ClusterFirst in the host network falls back to Default',
    spec: { dnsPolicy: 'ClusterFirst', hostNetwork: true },
    want: 'search corp.example\nnameserver 10.255.255.53\noptions timeout:2\n',
  },
  {
    name: 'ClusterFirstWithHostNet keeps the cluster DNS in the host network',
    spec: { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true },
    want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n',
  },
  { name: 'Default: the node\'s resolver', spec: { dnsPolicy: 'Default' }, want: 'search corp.example\nnameserver 10.255.255.53\noptions timeout:2\n' },
  {
    name: 'None with dnsConfig: only what the pod says',
    spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } },
    want: 'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n',
  },
  {
    name: 'ClusterFirst plus dnsConfig: appended without duplicates, options overridden by name',
    spec: { dnsConfig: { nameservers: ['10.96.0.10', '8.8.8.8'], searches: ['svc.cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }] } },
    want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:1 single-request-reopen\n',
  },
];
for (const row of table) {
  test(`pod DNS: ${row.name}`, () => assert.equal(resolv(row.spec), row.want));
}

test('pod DNS: more than 3 nameservers are cut, with the kubelet\'s DNSConfigForming warning', () => {
  const r = podDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] } }), settings);
  assert.deepEqual(r.config.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  assert.deepEqual(r.warnings, ['Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3']);
});

test('pod DNS: more than 32 search domains are cut with a warning', () => {
  const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
  const r = podDNS(pod({ dnsPolicy: 'None', dnsConfig: { searches } }), settings);
  assert.equal(r.config.searches.length, 32);
  assert.match(r.warnings[0], /^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: d0\.example /);
});

test('pod DNS: without a cluster DNS server ClusterFirst uses the node\'s resolver', () => {
  assert.equal(resolv({}, { ...settings, clusterDNS: [] }), 'search corp.example\nnameserver 10.255.255.53\noptions timeout:2\n');
});

test('mergeDNSOptions keeps order and lets later options win by name', () => {
  assert.deepEqual(mergeDNSOptions(['ndots:5', 'rotate'], [{ name: 'ndots', value: '2' }, { name: 'attempts', value: '3' }]), ['ndots:2', 'rotate', 'attempts:3']);
});
