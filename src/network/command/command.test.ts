import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { CommandError, CommandRunner, type HostOp } from './command.js';
import { FakeClock } from '../../util/clock.js';
import { eventually } from '../../testing/test-cluster.js';
import { PYTHON3, ROOT, requireTool } from '../../testing/system-tools.js';
import { mountPoints } from '../../util/mounts.js';

/** the helper's tests need its interpreter; its system calls need root too */
const withHelper = requireTool(PYTHON3);
const withHelperAsRoot = requireTool(PYTHON3, ROOT);

/** helperReady waits until the runner's helper has booted and returns its pid. */
const helperReady = (r: CommandRunner) => eventually(() => { assert.ok(r.helperPid); return r.helperPid; });

/** alive says whether a process exists (signal 0). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('CommandRunner: env, stdin, exit status and output, through the helper', withHelper, async () => {
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

test('CommandRunner: an aborted command is killed, whether the helper or this process ran it', withHelper, async () => {
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

test('CommandRunner: a helper that dies fails what was in flight, and the next command gets a new helper', withHelper, async () => {
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

test('CommandRunner: commands run from this process while the helper boots, then through it', withHelper, async () => {
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

test('CommandRunner: the helper exits after the idle period and the next command starts a new one', withHelper, async () => {
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

test('CommandRunner: a burst while the helper boots runs a few commands here and queues the rest for it', withHelper, async () => {
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

test('CommandRunner: the helper mounts and unmounts with system calls; a second unmount says the target is not mounted', withHelperAsRoot, async () => {
  const r = new CommandRunner();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helper-mount-'));
  try {
    await r.run('true', []);
    const helper = await helperReady(r);
    const res = await r.runOp({ op: 'mount', source: 'shm', target: dir, fstype: 'tmpfs', options: 'nosuid,nodev,mode=1777,size=65536k' }, 'false', []);
    assert.deepEqual(res, { code: 0, signal: null, stdout: '', stderr: '' });
    const line = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1] === dir);
    assert.match(line ?? '', /^shm \S+ tmpfs rw,nosuid,nodev,.*size=65536k/);
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o1777);
    // No process started for either: the helper has no children.
    assert.equal(fs.readFileSync(`/proc/${helper}/task/${helper}/children`, 'utf8').trim(), '');
    assert.equal((await r.runOp({ op: 'umount', targets: [dir], lazy: true }, 'false', [])).code, 0);
    assert.ok(!mountPoints().includes(dir));
    const again = await r.runOp({ op: 'umount', targets: [dir], lazy: false }, 'false', []);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /not mounted/);
  } finally {
    r.close();
    if (mountPoints().includes(dir)) spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CommandRunner: the helper pins a pod\'s UTS, IPC and network namespaces on files, with the hostname set and lo up', withHelperAsRoot, async () => {
  const r = new CommandRunner();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helper-pin-'));
  const pins = { uts: path.join(dir, 'uts'), ipc: path.join(dir, 'ipc'), net: path.join(dir, 'net') };
  for (const f of Object.values(pins)) fs.writeFileSync(f, '');
  try {
    await r.run('true', []);
    await helperReady(r);
    const res = await r.runOp({ op: 'pin', ...pins, hostname: 'pinned-pod', loopback: true }, 'false', []);
    assert.equal(res.code, 0, res.stderr);
    const mounted = new Set(mountPoints());
    for (const f of Object.values(pins)) assert.ok(mounted.has(f), `${f} is a mount point`);
    assert.equal(spawnSync('nsenter', [`--uts=${pins.uts}`, 'hostname'], { encoding: 'utf8' }).stdout.trim(), 'pinned-pod');
    const lo = spawnSync('nsenter', [`--net=${pins.net}`, 'ip', '-o', 'link', 'show', 'lo'], { encoding: 'utf8' }).stdout;
    assert.match(lo, /<LOOPBACK,UP,LOWER_UP>/);
    // Its own network: no interface but lo.
    assert.equal(spawnSync('nsenter', [`--net=${pins.net}`, 'ip', '-o', 'link'], { encoding: 'utf8' }).stdout.trim().split('\n').length, 1);
    // The helper itself stayed in the node's namespaces.
    assert.equal(fs.readlinkSync(`/proc/${r.helperPid}/ns/net`), fs.readlinkSync('/proc/self/ns/net'));
    // A file that is not there: the error comes back, nothing is left mounted.
    const bad = await r.runOp({ op: 'pin', net: path.join(dir, 'missing', 'net'), loopback: true }, 'false', []);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /net namespace/);
  } finally {
    r.close();
    const left = Object.values(pins).filter((f) => mountPoints().includes(f));
    if (left.length) spawnSync('umount', left);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CommandRunner: with the helper off (TSKUBE_COMMAND_HELPER=0) an operation runs as its equivalent command, from this process', requireTool(ROOT), async () => {
  const was = process.env.TSKUBE_COMMAND_HELPER;
  process.env.TSKUBE_COMMAND_HELPER = '0';
  const r = new CommandRunner();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helper-off-'));
  try {
    const res = await r.runOp({ op: 'mount', source: 'shm', target: dir, fstype: 'tmpfs', options: 'size=1m' }, 'mount', ['-t', 'tmpfs', '-o', 'size=1m', 'shm', dir]);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(mountPoints().includes(dir));
    assert.equal(r.helperPid, undefined);
    assert.equal((await r.run('sh', ['-c', 'echo $PPID'])).stdout.trim(), String(process.pid));
    await assert.rejects(r.runOpOk({ op: 'umount', targets: [path.join(dir, 'nope')], lazy: false }, 'umount', [path.join(dir, 'nope')]), /Command failed: umount/);
  } finally {
    if (was === undefined) delete process.env.TSKUBE_COMMAND_HELPER; else process.env.TSKUBE_COMMAND_HELPER = was;
    r.close();
    if (mountPoints().includes(dir)) spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CommandRunner: a request the helper cannot take is refused with an error, and the helper goes on serving', withHelper, async () => {
  const r = new CommandRunner();
  try {
    await r.run('true', []);
    const helper = await helperReady(r);
    const broken = { op: 'mount', target: '/nowhere' } as unknown as HostOp;
    await assert.rejects(r.runOp(broken, 'false', []), (e: unknown) => e instanceof CommandError && /command helper: 'options'/.test(e.message));
    assert.equal((await r.run('echo', ['still here'])).stdout, 'still here\n');
    assert.equal(r.helperPid, helper);
  } finally {
    r.close();
  }
});
