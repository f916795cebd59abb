import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLifecycleHandler } from './lifecycle-hooks.js';
import type { ProbeTarget } from './prober/runners.js';

const owner = { container: 'lifecycle-demo-container', pod: 'lifecycle-demo_default(0d5f3c1e-uid)' };
/** target answers every exec with the given exit code and output. */
const target = (exitCode: number, output = ''): ProbeTarget & { ran: string[][] } => {
  const ran: string[][] = [];
  return { podIP: '10.0.0.1', ports: {}, ran, exec: async (argv) => { ran.push(argv); return { exitCode, output, timedOut: false }; } };
};
const PRESTOP = ['/bin/sh', '-c', 'nginx -s quit; while killall -0 nginx; do sleep 1; done'];

test('runLifecycleHandler: an exec hook that exits 0 is ok', async () => {
  const t = target(0);
  assert.deepEqual(await runLifecycleHandler({ exec: { command: ['echo', 'hi'] } }, t, 30_000, owner), { ok: true, message: '' });
  assert.deepEqual(t.ran, [['echo', 'hi']]);
});

test('runLifecycleHandler: a failed exec hook is worded as the kubelet\'s (command as %v, container and pod as %q, exit code, output as %q)', async () => {
  const r = await runLifecycleHandler({ exec: { command: PRESTOP } }, target(137), 30_000, owner);
  assert.equal(r.ok, false);
  assert.equal(r.message, 'Exec lifecycle hook ([/bin/sh -c nginx -s quit; while killall -0 nginx; do sleep 1; done]) for Container "lifecycle-demo-container" in Pod "lifecycle-demo_default(0d5f3c1e-uid)" failed - error: command \'/bin/sh -c nginx -s quit; while killall -0 nginx; do sleep 1; done\' exited with 137: , message: ""');
  const withOutput = await runLifecycleHandler({ exec: { command: ['sh', '-c', 'nope'] } }, target(127, 'sh: 1: nope: not found\n'), 30_000, owner);
  assert.match(withOutput.message, / exited with 127: sh: 1: nope: not found\n, message: "sh: 1: nope: not found\\n"$/);
});

test('runLifecycleHandler: a failed HTTP hook names its path, container and pod', async () => {
  // nothing listens on port 1 of 127.0.0.1: the dial fails
  const r = await runLifecycleHandler({ httpGet: { path: '/shutdown', port: 1, host: '127.0.0.1' } }, target(0), 2_000, owner);
  assert.equal(r.ok, false);
  assert.match(r.message, /^HTTP lifecycle hook \(\/shutdown\) for Container "lifecycle-demo-container" in Pod "lifecycle-demo_default\(0d5f3c1e-uid\)" failed - error: Get "http:\/\/127\.0\.0\.1:1\/shutdown": dial tcp 127\.0\.0\.1:1: connect: connection refused$/);
});
