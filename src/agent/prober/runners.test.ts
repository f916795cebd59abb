import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../util/clock.js';
import { ResultsManager, type ResultUpdate } from './results.js';
import { runProbe, type ProbeTarget } from './runners.js';
import { ProbeWorker } from './worker.js';

async function server(status: () => number): Promise<{ port: number; close(): void }> {
  const s = http.createServer((_q, r) => { r.writeHead(status()); r.end('x'); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, close: () => s.close() };
}

const target = (ports: Record<string, number> = {}): ProbeTarget => ({
  podIP: '127.0.0.1', ports,
  exec: async (argv) => ({ exitCode: argv[0] === 'ok' ? 0 : 1, output: 'cat: /tmp/health: No such file or directory\n', timedOut: false }),
});

test('httpGet: 2xx/3xx succeed, 500 fails with kubelet wording, named port', async () => {
  let code = 200;
  const s = await server(() => code);
  assert.equal((await runProbe({ httpGet: { port: 'http', path: '/' } }, target({ http: s.port }))).ok, true);
  code = 302;
  assert.equal((await runProbe({ httpGet: { port: s.port } }, target())).ok, true);
  code = 500;
  assert.deepEqual(await runProbe({ httpGet: { port: s.port, path: '/' } }, target()), { ok: false, output: 'HTTP probe failed with statuscode: 500' });
  s.close();
});

test('tcpSocket and refused connections', async () => {
  const s = await server(() => 200);
  assert.equal((await runProbe({ tcpSocket: { port: s.port } }, target())).ok, true);
  s.close();
  const r = await runProbe({ tcpSocket: { port: s.port } }, target());
  assert.equal(r.ok, false);
  assert.equal(r.output, `dial tcp 127.0.0.1:${s.port}: connect: connection refused`);
});

test('exec probe passes the command output through', async () => {
  assert.deepEqual(await runProbe({ exec: { command: ['cat', '/tmp/health'] } }, target()), { ok: false, output: 'cat: /tmp/health: No such file or directory\n' });
});

test('liveness worker: failureThreshold failures in a row flip the verdict once; readiness starts failed', async () => {
  const clock = new FakeClock();
  const updates: ResultUpdate[] = [];
  const results = new ResultsManager((u) => updates.push(u));
  let ok = true;
  const failed: string[] = [];
  const w = new ProbeWorker({
    containerId: 'c1', containerName: 'kubia', kind: 'liveness', probe: { httpGet: { port: 8080 }, initialDelaySeconds: 15 },
    startedAt: clock.now(), clock, target: target(), results, onFailedAttempt: (_k, o) => failed.push(o.output),
    runner: async () => (ok ? { ok: true, output: '' } : { ok: false, output: 'HTTP probe failed with statuscode: 500' }),
  });
  const r = new ProbeWorker({
    containerId: 'c1', containerName: 'kubia', kind: 'readiness', probe: { exec: { command: ['ok'] } },
    startedAt: clock.now(), clock, target: target(), results, onFailedAttempt: () => {},
  });
  void w.run(); void r.run();
  await clock.step(1);
  assert.deepEqual(updates.map((u) => `${u.kind}=${u.result}`), ['liveness=success', 'readiness=failure', 'readiness=success']);
  await clock.step(15_000);
  ok = false;
  for (let i = 0; i < 3; i++) await clock.step(10_000);
  assert.equal(failed.length, 3);
  assert.deepEqual(updates.slice(3).map((u) => `${u.kind}=${u.result}`), ['liveness=failure']);
  w.stop(); r.stop();
});

test('an exec probe whose command cannot be started errored: the kubelet throws it away, liveness never fails, readiness never passes', async () => {
  const { ExecStartError } = await import('../../runtime/types.js');
  const missing: ProbeTarget = { ...target(), exec: async () => { throw new ExecStartError('exec: "invalid": executable file not found in $PATH'); } };
  const outcome = await runProbe({ exec: { command: ['invalid'] } }, missing);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.errored, true);
  assert.match(outcome.output, /^rpc error: code = Unknown desc = failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "invalid": executable file not found in \$PATH: unknown$/);

  const clock = new FakeClock();
  const updates: ResultUpdate[] = [];
  const results = new ResultsManager((u) => updates.push(u));
  const told: string[] = [];
  const workers = (['liveness', 'readiness'] as const).map((kind) => new ProbeWorker({
    containerId: 'c1', containerName: 'app', kind, probe: { exec: { command: ['invalid'] }, periodSeconds: 5 },
    startedAt: clock.now(), clock, target: missing, results, onFailedAttempt: (k, o) => told.push(`${k}:${o.errored}`),
  }));
  for (const w of workers) void w.run();
  for (let i = 0; i < 6; i++) await clock.step(5_000);
  // every attempt is reported (the Unhealthy event), none is counted
  assert.ok(told.filter((t) => t === 'liveness:true').length >= 5, told.join(' '));
  assert.ok(told.filter((t) => t === 'readiness:true').length >= 5, told.join(' '));
  // each keeps the value a worker starts with (liveness success, readiness failure): nothing changes
  assert.deepEqual(updates.map((u) => `${u.kind}=${u.result}`), ['liveness=success', 'readiness=failure']);
  for (const w of workers) w.stop();
});
