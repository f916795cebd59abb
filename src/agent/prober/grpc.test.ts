import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeHealthStatus, encodeHealthCheckRequest, grpcProbe } from './grpc.js';

/** healthServer answers grpc.health.v1.Health/Check with the status for the asked service (a real HTTP/2 gRPC server's framing). */
async function healthServer(statusOf: (service: string) => number): Promise<{ port: number; close: () => void }> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      const req = Buffer.concat(chunks).subarray(5);
      const service = req.length ? req.subarray(2).toString() : '';
      assert.equal(headers[':path'], '/grpc.health.v1.Health/Check');
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      const msg = Buffer.from([0x08, statusOf(service)]);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(msg.length, 1);
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([head, msg]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

test('gRPC health frames: request with a service name, response status', () => {
  assert.deepEqual([...encodeHealthCheckRequest('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeHealthCheckRequest('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  assert.equal(decodeHealthStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), 1);
  assert.equal(decodeHealthStatus(Buffer.from([0, 0, 0, 0, 0])), 0);
});

test('gRPC probe: SERVING succeeds, NOT_SERVING fails with kubelet\'s words, a closed port fails to connect', async () => {
  const srv = await healthServer((s) => (s === 'down' ? 2 : 1));
  try {
    assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, '', 2000), { ok: true, output: '' });
    assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, 'down', 2000), { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
  } finally {
    srv.close();
  }
  const closed = await grpcProbe('127.0.0.1', srv.port, '', 2000);
  assert.equal(closed.ok, false);
  assert.match(closed.output, /^timeout: failed to connect service "127\.0\.0\.1:\d+" within 2s/);
});

test('gRPC probe: a gRPC status is worded as the kubelet words it (Unimplemented, other codes by name)', async () => {
  for (const [status, message, want] of [
    ['12', 'unknown%20service%20grpc.health.v1.Health', 'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health'],
    ['5', 'unknown service', 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service'],
  ] as const) {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('data', () => {});
      stream.on('end', () => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': status, 'grpc-message': message }, { endStream: true }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      assert.deepEqual(await grpcProbe('127.0.0.1', (server.address() as AddressInfo).port, '', 2000), { ok: false, output: want });
    } finally {
      server.close();
    }
  }
});

test('gRPC probe: an HTTP/1.1 server is not a gRPC one (the gRPC liveness page\'s probe on a plain web port)', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const r = await grpcProbe('127.0.0.1', (server.address() as AddressInfo).port, '', 2000);
    assert.deepEqual(r, { ok: false, output: 'error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: http2: frame too large"' });
  } finally {
    server.close();
  }
});
