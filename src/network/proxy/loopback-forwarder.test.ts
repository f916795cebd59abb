import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { LoopbackForwarders, isLoopback } from './loopback-forwarder.js';

/** echoServer answers each connection with a greeting and then echoes. */
async function echoServer(): Promise<net.Server> {
  const srv = net.createServer((s) => { s.write('hello\n'); s.pipe(s); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return srv;
}

function roundTrip(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port }, () => c.write(line));
    let got = '';
    c.on('data', (d) => { got += d; if (got.includes(line)) { c.end(); resolve(got); } });
    c.on('error', reject);
  });
}

test('isLoopback is 127.0.0.0/8', () => {
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('127.0.1.2'), true);
  assert.equal(isLoopback('10.244.0.1'), false);
});

test('a forwarder splices connections to its loopback endpoint; one per endpoint; retain closes the rest', async () => {
  const srv = await echoServer();
  const target = (srv.address() as net.AddressInfo).port;
  const fw = new LoopbackForwarders();
  try {
    const port = await fw.ensure('127.0.0.1', '127.0.0.1', target);
    assert.ok(port);
    assert.equal(await fw.ensure('127.0.0.1', '127.0.0.1', target), port, 'the same endpoint keeps its forwarder');
    assert.equal(await roundTrip(port, 'ping\n'), 'hello\nping\n');
    // an address this machine does not have cannot be listened on (yet): undefined, no throw
    assert.equal(await fw.ensure('198.51.100.254', '127.0.0.1', target), undefined);
    await fw.retain(new Set());
    await assert.rejects(roundTrip(port, 'again\n'));
  } finally {
    await fw.closeAll();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
