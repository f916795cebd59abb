import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResolvConf, renderResolvConf } from './resolv-conf.js';

test('renderResolvConf: ClusterFirst as containerd writes it', () => {
  assert.equal(renderResolvConf({
    servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'],
  }), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
});

test('renderResolvConf: several servers; empty parts left out', () => {
  assert.equal(renderResolvConf({ servers: ['1.1.1.1', '8.8.8.8'], searches: [], options: [] }), 'nameserver 1.1.1.1\nnameserver 8.8.8.8\n');
  assert.equal(renderResolvConf({ servers: [], searches: [], options: [] }), '');
});

test('parseResolvConf: nameservers accumulate, last search/options win, comments and trailing dots dropped', () => {
  const text = `# generated
nameserver 10.255.255.53
search old.example
; another comment
search corp.example. . lab.example
nameserver 192.0.2.53
options ndots:2
options timeout:1 attempts:3
nameserver
`;
  assert.deepEqual(parseResolvConf(text), {
    servers: ['10.255.255.53', '192.0.2.53'], searches: ['corp.example', 'lab.example'], options: ['timeout:1', 'attempts:3'],
  });
  assert.deepEqual(parseResolvConf(''), { servers: [], searches: [], options: [] });
});
