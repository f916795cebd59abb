import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { hostsEntriesFromHostAliases, managedHostsFileContent, nodeHostsFileContent, podHostnameAndDomain } from './etc-hosts.js';

const BOILERPLATE = `# Kubernetes-managed hosts file.
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
fe00::0\tip6-mcastprefix
fe00::1\tip6-allnodes
fe00::2\tip6-allrouters
`;

test('managed /etc/hosts: localhost lines and "<podIP>\\t<hostname>", as the kubelet writes it', () => {
  assert.equal(managedHostsFileContent(['10.244.1.5'], 'nginx', ''), `${BOILERPLATE}10.244.1.5\tnginx\n`);
});

test('managed /etc/hosts with a subdomain: the FQDN first, for every pod IP', () => {
  assert.equal(managedHostsFileContent(['10.244.1.5', 'fd00::5'], 'web-0', 'nginx.default.svc.cluster.local'),
    `${BOILERPLATE}10.244.1.5\tweb-0.nginx.default.svc.cluster.local\tweb-0\nfd00::5\tweb-0.nginx.default.svc.cluster.local\tweb-0\n`);
});

test('hostAliases: the kubelet\'s block, one line per IP with its names tab-separated', () => {
  const aliases = [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] }];
  assert.equal(managedHostsFileContent(['10.244.0.9'], 'hostaliases-pod', '', aliases), `${BOILERPLATE}10.244.0.9\thostaliases-pod

# Entries added by HostAliases.
127.0.0.1\tfoo.local\tbar.local
10.1.2.3\tfoo.remote\tbar.remote
`);
  assert.equal(hostsEntriesFromHostAliases([]), '');
});

test('host-network pods get the node\'s hosts file under its own header, plus hostAliases', () => {
  assert.equal(nodeHostsFileContent('127.0.0.1 localhost\n', [{ ip: '1.2.3.4', hostnames: ['x'] }]),
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n1.2.3.4\tx\n');
});

test('podHostnameAndDomain: spec.hostname over the name, subdomain gives the Service domain, 63-character cap', () => {
  const pod = (spec: Pod['spec'], name = 'web-0'): Pod => ({ metadata: { name, namespace: 'prod' }, spec: { containers: [], ...spec } });
  assert.deepEqual(podHostnameAndDomain(pod({ containers: [] }), 'cluster.local'), { hostname: 'web-0', domain: '' });
  assert.deepEqual(podHostnameAndDomain(pod({ containers: [], hostname: 'db', subdomain: 'mysql' }), 'cluster.local'), { hostname: 'db', domain: 'mysql.prod.svc.cluster.local' });
  const long = `${'a'.repeat(61)}--b`;
  assert.equal(podHostnameAndDomain(pod({ containers: [] }, long), 'cluster.local').hostname, 'a'.repeat(61));
});
