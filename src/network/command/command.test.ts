import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError, CommandRunner } from './command.js';
import { FakeClock } from '../../util/clock.js';
import { eventually } from '../../testing/test-cluster.js';

/** helperReady waits until the runner's helper has booted and returns its pid. */
const helperReady = (r: CommandRunner) => eventually(() => { assert.ok(r.helperPid); return r.helperPid; });

/** alive says whether a process exists (signal 0). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('CommandRunner: env, stdin, exit status and output, through the helper', async () => {
  const r = new CommandRunner();
  try {
    const res = await r.run('sh', ['-c', 'echo "$GREETING"; cat; echo oops >&2; exit 3'], { env: { PATH: process.env.PATH, GREETING: 'hi' }, input: 'from stdin' });
    assert.deepEqual(res, { code: 3, signal: null, stdout: 'hi\nfrom stdin', stderr: 'oops\n' });
    await assert.rejects(r.runOk('sh', ['-c', 'echo bad >&2; exit 2']), (e: unknown) => e instanceof CommandError && e.result?.code === 2 && /\(exit status 2\): bad$/.test(e.message));
    await assert.rejects(r.run('/nonexistent/tool', []), (e: unknown) => e instanceof CommandError && e.errno === 'ENOENT');
    // many at once
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => r.run('sh', ['-c', `echo ${i}`])));
    assert.deepEqual(many.map((m) => m.stdout.trim()), Array.from({ length: 20 }, (_, i) => String(i)));
  } finally {
    r.close();
  }
});

test('CommandRunner: an aborted command is killed, whether the helper or this process ran it', async () => {
  const r = new CommandRunner();
  try {
    // The first command runs from this process (the helper is still booting).
    const early = new AbortController();
    const first = r.run('sleep', ['30'], { signal: early.signal });
    setTimeout(() => early.abort(), 50);
    assert.equal((await first).signal, 'SIGKILL');
    await helperReady(r);
    const ac = new AbortController();
    const p = r.run('sleep', ['30'], { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const res = await p;
    assert.equal(res.signal, 'SIGKILL');
    await assert.rejects(r.run('true', [], { signal: ac.signal }), /aborted/);
  } finally {
    r.close();
  }
});

test('CommandRunner: a helper that dies fails what was in flight, and the next command gets a new helper', async () => {
  const r = new CommandRunner();
  try {
    await r.run('true', []);
    await helperReady(r);
    const p = r.run('sleep', ['30']);
    (r as unknown as { helper: { kill(s: string): void } }).helper.kill('SIGKILL');
    await assert.rejects(p, /the command helper exited/);
    assert.equal((await r.run('echo', ['again'])).stdout, 'again\n');
  } finally {
    r.close();
  }
});

test('CommandRunner: commands run from this process while the helper boots, then through it', async () => {
  const r = new CommandRunner();
  try {
    // $PPID tells who forked the command.
    const first = await r.run('sh', ['-c', 'echo $PPID']);
    assert.equal(first.stdout.trim(), String(process.pid));
    const helper = await helperReady(r);
    assert.notEqual(helper, process.pid);
    assert.equal((await r.run('sh', ['-c', 'echo $PPID'])).stdout.trim(), String(helper));
  } finally {
    r.close();
  }
});

test('CommandRunner: the helper exits after the idle period and the next command starts a new one', async () => {
  const clock = new FakeClock();
  const r = new CommandRunner({ idleExitMs: 5_000, clock });
  try {
    await r.run('true', []);
    const first = await helperReady(r);
    // A command in flight holds the helper however long it runs.
    const ac = new AbortController();
    const long = r.run('sleep', ['30'], { signal: ac.signal });
    await clock.step(60_000);
    assert.equal(r.helperPid, first);
    ac.abort();
    assert.equal((await long).signal, 'SIGKILL');
    // Idle, but not yet for the whole period: it stays.
    await clock.step(4_000);
    assert.equal(r.helperPid, first);
    // A command restarts the period.
    assert.equal((await r.run('echo', ['still'])).stdout, 'still\n');
    await clock.step(4_000);
    assert.equal(r.helperPid, first);
    await clock.step(1_000);
    assert.equal(r.helperPid, undefined);
    await eventually(() => assert.equal(alive(first!), false));
    // The next command works at once (run from here) and brings a new helper.
    assert.equal((await r.run('echo', ['again'])).stdout, 'again\n');
    const second = await helperReady(r);
    assert.notEqual(second, first);
    assert.equal((await r.run('sh', ['-c', 'echo $PPID'])).stdout.trim(), String(second));
  } finally {
    r.close();
  }
});

test('CommandRunner: a burst while the helper boots runs a few commands here and queues the rest for it', async () => {
  const r = new CommandRunner();
  try {
    const burst = await Promise.all(Array.from({ length: 12 }, () => r.run('sh', ['-c', 'echo $PPID'])));
    const parents = burst.map((b) => b.stdout.trim());
    const here = parents.filter((p) => p === String(process.pid)).length;
    assert.ok(here >= 1 && here <= 4, `${here} of 12 ran from this process`);
    const helper = await helperReady(r);
    assert.deepEqual(new Set(parents), new Set([String(process.pid), String(helper)]));
  } finally {
    r.close();
  }
});
