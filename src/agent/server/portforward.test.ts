import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import { FrameType, controlFrame } from './spdy/framer.js';
import { acceptTunnel, portForwardWebSocketServer, serveSpdy } from './portforward.js';
import { spdyPipe, until } from './testing/spdy-client.js';

test('port-forward over SPDY: error and data streams paired by request id, bytes both ways, errors on the error stream, pings echoed', async () => {
  const upper = net.createServer((s) => s.on('data', (d) => s.write(d.toString().toUpperCase())).on('end', () => s.end()));
  await new Promise<void>((r) => upper.listen(0, '127.0.0.1', () => r()));
  const port = (upper.address() as net.AddressInfo).port;
  const { socket, client: c, toServer } = spdyPipe();
  serveSpdy(socket, Buffer.alloc(0), { name: 'web', namespace: 'default', uid: 'u1', ip: '127.0.0.1' });
  try {
    await c.open(1, { streamtype: 'error', port: String(port), requestid: '0' }, true);
    await c.open(3, { streamtype: 'data', port: String(port), requestid: '0' });
    await until(() => c.frames.filter((f) => f.control && f.type === FrameType.SYN_REPLY).length === 2);
    assert.equal(await c.replyHeaders(), 1);
    c.send(3, Buffer.from('hello'));
    await until(() => c.text(3) === 'HELLO');
    c.send(3, Buffer.alloc(0), true);
    await until(() => c.fin.has(3) && c.fin.has(1));
    assert.equal(c.text(1), '', 'no error');
    // A port nobody listens on: the error stream says so.
    upper.close();
    await c.open(5, { streamtype: 'error', port: String(port), requestid: '1' }, true);
    await c.open(7, { streamtype: 'data', port: String(port), requestid: '1' });
    await until(() => c.fin.has(5));
    assert.equal(c.text(5), `error forwarding port ${port} to pod default/web, uid u1: dial tcp4 127.0.0.1:${port}: connect: connection refused`);
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(1);
    toServer.write(controlFrame(FrameType.PING, 0, ping));
    await until(() => c.frames.some((f) => f.control && f.type === FrameType.PING));
  } finally {
    upper.close();
  }
});

test('the port-forward WebSocket handshake takes kubectl\'s SPDY/3.1+portforward.k8s.io (no token for ws) and answers with that name', async (t) => {
  const wss = portForwardWebSocketServer();
  const server = http.createServer();
  let tunnelled: WebSocket | undefined;
  server.on('upgrade', (req, socket, head) => acceptTunnel(wss, req, socket, head, (ws) => { tunnelled = ws; }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { tunnelled?.terminate(); server.close(); });
  const { port } = server.address() as AddressInfo;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/portForward/ns/pod', headers: {
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
    } });
    req.on('upgrade', (r, socket) => { socket.destroy(); resolve(r); });
    req.on('response', (r) => resolve(r));
    req.on('error', reject);
    req.end();
  });
  assert.equal(res.statusCode, 101);
  assert.equal(res.headers['sec-websocket-protocol'], 'SPDY/3.1+portforward.k8s.io');
  assert.equal(res.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});
