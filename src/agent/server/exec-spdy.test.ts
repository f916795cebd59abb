import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { negotiateSpdyProtocol, serveSpdyExec } from './exec-spdy.js';
import type { ExecSession } from '../../runtime/types.js';
import { spdyPipe, until, type SpdyTestClient } from './testing/spdy-client.js';

/** fakeExec echoes stdin upper-cased to stdout, writes "warn" to stderr, and exits with code once stdin ends. */
function fakeExec(code: number): ExecSession {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let done!: (c: number) => void;
  const exit = new Promise<number>((r) => { done = r; });
  stdin.on('data', (d: Buffer) => stdout.write(d.toString().toUpperCase()));
  stdin.on('end', () => { stderr.end('warn'); stdout.end(); done(code); });
  return { stdin, stdout, stderr, resize() {}, exit, kill() {} };
}

function connect(code: number, argv: string[]): SpdyTestClient {
  const { socket, client } = spdyPipe();
  serveSpdyExec(socket, Buffer.alloc(0), { stdin: true, stdout: true, stderr: true, tty: false }, argv, async () => fakeExec(code));
  return client;
}

test('SPDY exec (v4.channel.k8s.io): a stream per channel, stdin in, stdout/stderr out, success leaves the error stream empty', async () => {
  assert.equal(negotiateSpdyProtocol(['v4.channel.k8s.io', 'v3.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(negotiateSpdyProtocol(['v5.channel.k8s.io']), undefined);
  const c = connect(0, ['cat']);
  await c.open(1, { streamtype: 'error' }, true);
  await c.open(3, { streamtype: 'stdin' });
  await c.open(5, { streamtype: 'stdout' }, true);
  await c.open(7, { streamtype: 'stderr' }, true);
  c.send(3, Buffer.from('hello'), true);
  await until(() => c.fin.has(1) && c.fin.has(5) && c.fin.has(7));
  assert.equal(c.text(5), 'HELLO');
  assert.equal(c.text(7), 'warn');
  assert.equal(c.text(1), '');
});

test('SPDY exec: a non-zero exit is a NonZeroExitCode Status on the error stream', async () => {
  const c = connect(3, ['sh', '-c', 'exit 3']);
  await c.open(1, { streamtype: 'error' }, true);
  await c.open(3, { streamtype: 'stdin' });
  await c.open(5, { streamtype: 'stdout' }, true);
  await c.open(7, { streamtype: 'stderr' }, true);
  c.send(3, Buffer.alloc(0), true);
  await until(() => c.fin.has(1));
  assert.deepEqual(JSON.parse(c.text(1)), {
    metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
    message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});
