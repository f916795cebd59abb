import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Transform } from 'node:stream';
import { test } from 'node:test';
import { serveSpdyExec } from '../../agent/server/exec-spdy.js';
import type { RemoteStreams } from '../../agent/server/remotecommand.js';
import type { ExecSession } from '../types.js';
import { deferredSession, exitCodeOf, openStreamSession, REMOTECOMMAND_PROTOCOL } from './streaming.js';

test('exit codes from the error stream: empty or Success is 0, NonZeroExitCode carries the code, other failures throw', () => {
  assert.equal(exitCodeOf(''), 0);
  assert.equal(exitCodeOf('{"metadata":{},"status":"Success"}'), 0);
  assert.equal(exitCodeOf(JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: exit status 7', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })), 7);
  assert.throws(() => exitCodeOf(JSON.stringify({ status: 'Failure', message: 'container not running' })), /container not running/);
  assert.throws(() => exitCodeOf('plain text error'), /plain text error/);
});

/**
 * streamingServer is a streaming server as a runtime's: it upgrades to SPDY and serves the session
 * with the node agent's own server side of the protocol (exec-spdy.ts), the counterpart this client
 * must interoperate with as it does with containerd's.
 */
async function streamingServer(streams: RemoteStreams, start: () => ExecSession): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => { res.writeHead(400); res.end('upgrade required'); });
  server.on('upgrade', (req, socket, head) => {
    assert.equal(req.headers['x-stream-protocol-version'], REMOTECOMMAND_PROTOCOL);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${REMOTECOMMAND_PROTOCOL}\r\n\r\n`);
    serveSpdyExec(socket, head, streams, ['fake'], async () => start());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/exec/token`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const read = async (s: NodeJS.ReadableStream | null) => { let out = ''; for await (const c of s ?? []) out += String(c); return out; };

test('an exec session over SPDY: stdin to its end, stdout and stderr apart, the exit code from the Status', async () => {
  const srv = await streamingServer({ stdin: true, stdout: true, stderr: true, tty: false }, () => {
    // A fake process: upper-cases its input, says "bye" on stderr and exits 5 at end of input.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let finish!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (finish = resolve));
    const stdin = new Transform({ transform(c: Buffer, _e, cb) { cb(null, c.toString().toUpperCase()); } });
    stdin.pipe(stdout);
    stdin.on('end', () => { stderr.end('bye\n'); setImmediate(() => finish(5)); });
    return { stdin, stdout, stderr, exit, resize() {}, kill() {} };
  });
  try {
    const s = await openStreamSession(srv.url, { stdin: true, stdout: true, stderr: true, tty: false });
    s.stdin!.write('hello ');
    s.stdin!.end('world\n');
    const [out, err, code] = await Promise.all([read(s.stdout), read(s.stderr), s.exit]);
    assert.equal(out, 'HELLO WORLD\n');
    assert.equal(err, 'bye\n');
    assert.equal(code, 5);
  } finally {
    await srv.close();
  }
});

test('a terminal session: no stderr stream, resizes reach the process', async () => {
  const sizes: [number, number][] = [];
  const srv = await streamingServer({ stdin: true, stdout: true, stderr: false, tty: true }, () => {
    const stdout = new PassThrough();
    let finish!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (finish = resolve));
    const stdin = new PassThrough();
    stdin.on('data', (c: Buffer) => { if (c.toString().includes('exit')) { stdout.end('$ bye\r\n'); finish(0); } });
    return { stdin, stdout, stderr: null, exit, resize(cols, rows) { sizes.push([cols, rows]); }, kill() {} };
  });
  try {
    const s = await openStreamSession(srv.url, { stdin: true, stdout: true, stderr: false, tty: true });
    assert.equal(s.stderr, null);
    // The resize and the input travel in order on one connection: the process sees the size first.
    s.resize(120, 40);
    s.stdin!.write('exit\n');
    const [out, code] = await Promise.all([read(s.stdout), s.exit]);
    assert.equal(out, '$ bye\r\n');
    assert.equal(code, 0);
    assert.deepEqual(sizes, [[120, 40]]);
  } finally {
    await srv.close();
  }
});

test('a server that refuses the upgrade is an error with its answer', async () => {
  const server = http.createServer((_req, res) => { res.writeHead(404); res.end('no such token'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await assert.rejects(openStreamSession(`http://127.0.0.1:${port}/exec/x`, { stdin: false, stdout: true, stderr: true, tty: false }), /answered 404: no such token/);
  } finally {
    server.close();
  }
});

test('a deferred session keeps input and a size given before its connection is up, and passes the exit through', async () => {
  let connect!: (s: ExecSession) => void;
  const got: string[] = [];
  const sizes: [number, number][] = [];
  const d = deferredSession(() => new Promise<ExecSession>((resolve) => (connect = resolve)), { stdin: true, tty: false });
  d.stdin!.write('early ');
  d.resize(80, 24);
  const innerIn = new PassThrough();
  const innerOut = new PassThrough();
  const innerErr = new PassThrough();
  let finish!: (code: number) => void;
  innerIn.on('data', (c: Buffer) => got.push(c.toString()));
  innerIn.on('end', () => { innerOut.end('out'); innerErr.end('err'); finish(9); });
  connect({ stdin: innerIn, stdout: innerOut, stderr: innerErr, exit: new Promise((r) => (finish = r)), resize(c, r) { sizes.push([c, r]); }, kill() {} });
  d.stdin!.end('late');
  const [out, err, code] = await Promise.all([read(d.stdout), read(d.stderr), d.exit]);
  assert.deepEqual([got.join(''), out, err, code, sizes], ['early late', 'out', 'err', 9, [[80, 24]]]);
});

test('a deferred session whose connection fails ends with the reason and 126', async () => {
  const d = deferredSession(() => Promise.reject(new Error('container is not running')), { stdin: true, tty: true });
  assert.equal(d.stderr, null);
  d.stdin!.end('ignored');
  const [out, code] = await Promise.all([read(d.stdout), d.exit]);
  assert.deepEqual([out, code], ['container is not running\n', 126]);
});
