import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { ClusterZone } from './zone.js';
import { DNSServer, loadDnsPacket } from './server.js';
import { log } from '../../util/log.js';

/** Reply is what these tests read of a decoded answer (dns-packet's types leave out rcode and answer data unions). */
interface Reply { id?: number; rcode?: string; flag_aa?: boolean; flag_rd?: boolean; answers?: { type: string; data?: unknown }[]; authorities?: { type: string }[] }

test('answers the zone over UDP and TCP, forwards other names, SERVFAIL without upstream', async (t) => {
  let dns: Awaited<ReturnType<typeof loadDnsPacket>>;
  try { dns = await loadDnsPacket(); } catch { return t.skip('dns-packet not installed: npm install dns-packet@5.6.1'); }
  const zone = new ClusterZone({
    services: () => [{ metadata: { namespace: 'default', name: 'backend' }, spec: { clusterIP: '10.96.4.5', ports: [{ port: 80 }] } }],
    slicesFor: () => [], namespaceExists: (ns) => ns === 'default',
  });
  // A fake upstream that answers everything with 192.0.2.99.
  const upstream = dgram.createSocket('udp4');
  upstream.on('message', (m, r) => {
    const q = dns.decode(m);
    upstream.send(dns.encode({ type: 'response', id: q.id, questions: q.questions, answers: [{ name: q.questions![0].name, type: 'A', ttl: 60, class: 'IN', data: '192.0.2.99' }] }), r.port, r.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  const server = new DNSServer({ zone, upstreams: [`127.0.0.1:${upstream.address().port}`], host: '127.0.0.1', port: 0, logger: log.child({ component: 'dns-test' }), dns });
  const port = await server.listen();
  const udpQuery = (name: string, type: 'A' | 'AAAA') => new Promise<Reply>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => { s.close(); resolve(dns.decode(m) as unknown as Reply); });
    s.send(dns.encode({ type: 'query', id: 7, flags: dns.RECURSION_DESIRED, questions: [{ name, type }] }), port, '127.0.0.1');
  });
  try {
    const a = await udpQuery('backend.default.svc.cluster.local', 'A');
    assert.equal(a.id, 7);
    assert.equal(a.rcode, 'NOERROR');
    assert.equal(a.flag_aa, true);
    assert.equal(a.flag_rd, true);
    assert.deepEqual(a.answers?.map((x) => x.data), ['10.96.4.5']);
    const nx = await udpQuery('backend.default.svc.default.svc.cluster.local', 'A');
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(nx.authorities?.[0].type, 'SOA');
    const nodata = await udpQuery('backend.default.svc.cluster.local', 'AAAA');
    assert.deepEqual([nodata.rcode, nodata.answers?.length], ['NOERROR', 0]);
    const fwd = await udpQuery('example.org', 'A');
    assert.deepEqual(fwd.answers?.map((x) => x.data), ['192.0.2.99']);
    // TCP: two-byte length prefix.
    const tcp = await new Promise<Reply>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(dns.streamEncode({ type: 'query', id: 9, questions: [{ name: 'backend.default.svc.cluster.local', type: 'A' }] })));
      let buf = Buffer.alloc(0);
      s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { s.end(); resolve(dns.decode(buf.subarray(2)) as unknown as Reply); } });
    });
    assert.deepEqual([tcp.id, tcp.answers?.[0].data], [9, '10.96.4.5']);
  } finally {
    await server.close();
    upstream.close();
  }
  const lonely = new DNSServer({ zone, upstreams: [], host: '127.0.0.1', port: 0, logger: log.child({ component: 'dns-test' }), dns });
  const reply = await lonely.handle(dns.encode({ type: 'query', id: 1, questions: [{ name: 'example.org', type: 'A' }] }), true);
  assert.equal((dns.decode(reply!) as unknown as Reply).rcode, 'SERVFAIL');
});
