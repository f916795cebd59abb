import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { IMAGES_DIR } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { ClusterZone } from '../../network/dns/zone.js';
import { DNSServer, loadDnsPacket } from '../../network/dns/server.js';
import { log } from '../../util/log.js';
import { spawnCollected } from '../../testing/collected-process.js';

const PEER_FINDER = path.join(IMAGES_DIR, 'cockroach-k8s-init.cjs');
const ON_START = path.join(IMAGES_DIR, 'cockroach-on-start.sh');

/** slice is the EndpointSlice of the headless Service cockroachdb with one ready endpoint per hostname. */
function slice(hostnames: string[]): EndpointSlice {
  return {
    addressType: 'IPv4', metadata: { name: 'cockroachdb-abcde', namespace: 'default' },
    ports: [{ name: 'grpc', port: 26257, protocol: 'TCP' }, { name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: hostnames.map((h, i) => ({ addresses: [`10.1.0.${i + 2}`], hostname: h, conditions: { ready: true } })),
  };
}

/** run starts the peer-finder in dir with the given flags, its resolver the test's resolv.conf. */
function run(dir: string, args: string[], env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const p = spawnCollected(process.execPath, [PEER_FINDER, ...args], { cwd: dir, env: { ...process.env, ...env } });
  return { child: p.child, out: p.all, exited: p.exited.then((e) => e.code) };
}

test('peer-finder: loops on lookups until its own name is among the SRV targets, then feeds the sorted peers to the script and exits 0', async (t) => {
  let dns: Awaited<ReturnType<typeof loadDnsPacket>>;
  try { dns = await loadDnsPacket(); } catch { return t.skip('dns-packet not installed: npm install dns-packet@5.6.1'); }
  let slices: EndpointSlice[] = [];
  const zone = new ClusterZone({
    services: () => [{ metadata: { namespace: 'default', name: 'cockroachdb' }, spec: { clusterIP: 'None', ports: [{ name: 'grpc', port: 26257 }, { name: 'http', port: 8080 }] } }],
    slicesFor: (ns, name) => (ns === 'default' && name === 'cockroachdb' ? slices : []), namespaceExists: (ns) => ns === 'default',
  });
  // the node's upstream resolver knows no bare "cockroachdb" either: NXDOMAIN, as a public resolver answers
  const upstream = dgram.createSocket('udp4');
  upstream.on('message', (m, r) => {
    const q = dns.decode(m);
    upstream.send(dns.encode({ type: 'response', id: q.id, flags: 3 /* NXDOMAIN */, questions: q.questions }), r.port, r.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  t.after(() => upstream.close());
  const server = new DNSServer({ zone, upstreams: [`127.0.0.1:${upstream.address().port}`], host: '127.0.0.1', port: 0, logger: log.child({ component: 'peer-finder-test' }), dns });
  const port = await server.listen();
  t.after(() => server.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-finder-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const resolv = path.join(dir, 'resolv.conf');
  fs.writeFileSync(resolv, `nameserver 127.0.0.1:${port}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`);
  const env = { TSKUBE_RESOLV_CONF: resolv, POD_NAMESPACE: 'default' };

  // Missing flags: log.Fatalf's line and exit 1.
  const bad = run(dir, ['-service=cockroachdb'], { TSKUBE_RESOLV_CONF: resolv, POD_NAMESPACE: '' });
  assert.equal(await bad.exited, 1);
  assert.match(bad.out(), /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Incomplete args, require -on-change and\/or -on-start, -service and -ns or an env var for POD_NAMESPACE\.$/m);

  // No endpoint yet (a headless Service lists no unready pod): the lookup fails, every second.
  const pf = run(dir, ['-on-start=tee peers.txt', '-service=cockroachdb'], env);
  t.after(() => pf.child.kill('SIGKILL'));
  await eventually(() => assert.match(pf.out(), new RegExp(`lookup cockroachdb on 127\\.0\\.0\\.1:${port}: no such host`)), 20_000);
  // This pod and another: the script gets both names, sorted, one a line.
  const me = `${os.hostname()}.cockroachdb.default.svc.cluster.local`;
  slices = [slice(['cockroachdb-1', os.hostname()])];
  assert.equal(await pf.exited, 0);
  const peers = [me, 'cockroachdb-1.cockroachdb.default.svc.cluster.local'].sort();
  assert.equal(fs.readFileSync(path.join(dir, 'peers.txt'), 'utf8'), `${peers.join('\n')}\n`);
  assert.match(pf.out(), new RegExp(`Peer list updated\\nwas \\[\\]\\nnow \\[${peers.join(' ').replaceAll('.', '\\.')}\\]`));
  assert.match(pf.out(), /execing: tee peers\.txt with stdin: /);
  assert.match(pf.out(), /Peer finder exiting\n$/);
});

test('on-start.sh: a peer other than this pod leaves cluster_exists_marker under ./cockroach/cockroach-data; alone, nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'on-start-'));
  try {
    const self = spawnSync('hostname', ['-f'], { encoding: 'utf8' }).stdout.trim();
    const marker = path.join(dir, 'cockroach', 'cockroach-data', 'cluster_exists_marker');
    const alone = spawnSync('bash', [ON_START], { cwd: dir, input: `${self}\n`, encoding: 'utf8' });
    assert.equal(alone.status, 0);
    assert.equal(fs.existsSync(marker), false);
    const others = spawnSync('bash', [ON_START], { cwd: dir, input: `${self}\nsome-other-peer.cockroachdb.default.svc.cluster.local\n`, encoding: 'utf8' });
    assert.equal(others.status, 0);
    // grep -v prints the other peers: the peer-finder logs them
    assert.equal(others.stdout, 'some-other-peer.cockroachdb.default.svc.cluster.local\n');
    assert.equal(fs.existsSync(marker), true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
