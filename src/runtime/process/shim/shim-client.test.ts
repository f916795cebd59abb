import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCriLine } from '../../cri-log.js';
import { eventually } from '../../../testing/test-cluster.js';
import { ContainerShim, DirectLauncher, HeldOutput, MAX_HELD_OUTPUT_BYTES, sharedShim, type ContainerLauncher, type ShimStartRequest } from './shim-client.js';

const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-shim-'));
}

function request(dir: string, id: string, argv: string[], over: Partial<ShimStartRequest> = {}): ShimStartRequest {
  return {
    id, file: argv[0], args: argv.slice(1), env: ENV, logPath: path.join(dir, `${id}.log`), maxLogBytes: 1 << 20,
    stdio: ['ignore', 'pipe', 'pipe'], roles: { stdout: 1, stderr: [2] }, ...over,
  };
}

function records(file: string) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => parseCriLine(l)!);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

const launchers: [string, () => ContainerLauncher][] = [
  ['shim', () => ContainerShim.spawn()!],
  ['direct', () => new DirectLauncher()],
];

for (const [name, make] of launchers) {
  test(`${name}: sh -c 'echo hi; exit 3' gives its CRI log lines (stdout and stderr) and exit code 3`, async () => {
    const dir = tmp();
    const l = make();
    try {
      const task = await l.start(request(dir, 'a', ['sh', '-c', 'echo hi; echo oops >&2; printf partial; exit 3']));
      assert.ok(task.pid && task.pid > 0);
      const x = await task.exited;
      assert.equal(x.code, 3);
      assert.equal(x.signal, null);
      const recs = records(path.join(dir, 'a.log'));
      assert.deepEqual(recs.map((r) => [r.stream, r.partial, r.message]), [['stdout', false, 'hi'], ['stderr', false, 'oops'], ['stdout', true, 'partial']]);
      assert.match(recs[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    } finally { l.close(); fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test(`${name}: a signal ends the process (reported as the signal), a missing executable is a spawn error`, async () => {
    const dir = tmp();
    const l = make();
    try {
      const task = await l.start(request(dir, 'k', ['sleep', '30']));
      task.signal('SIGTERM');
      const x = await task.exited;
      assert.equal(x.signal, 'SIGTERM');
      const missing = await l.start(request(dir, 'm', ['/no/such/binary']));
      assert.equal(missing.pid, undefined);
      assert.equal((await missing.exited).spawnError?.errno, 'ENOENT');
    } finally { l.close(); fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test(`${name}: stdin reaches the container, attach sees its output, the ready descriptor reports`, async () => {
    const dir = tmp();
    const l = make();
    try {
      const task = await l.start(request(dir, 's', ['sh', '-c', 'echo ready >&5; cat'], {
        stdio: ['pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'], roles: { stdout: 1, stderr: [2], ready: 5, stdin: true },
      }));
      await task.ready;
      const seen: string[] = [];
      const detach = task.attach((stream, d) => seen.push(`${stream}:${d.toString()}`));
      task.stdin!.write('hello\n');
      await eventually(() => assert.deepEqual(seen, ['stdout:hello\n']));
      detach();
      task.stdin!.end('bye\n');
      const x = await task.exited;
      assert.equal(x.code, 0);
      assert.deepEqual(records(path.join(dir, 's.log')).map((r) => r.message), ['hello', 'bye']);
      assert.deepEqual(seen, ['stdout:hello\n'], 'no output after detaching');
    } finally { l.close(); fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test(`${name}: holdOutput: the output before the first attach is given to it, even after the exit; later attaches see only what comes`, async () => {
    const dir = tmp();
    const l = make();
    try {
      // kubectl run -i: a short command ends before kubectl's attach comes.
      const short = await l.start(request(dir, 'h', ['sh', '-c', 'echo one; echo two >&2'], {
        stdio: ['pipe', 'pipe', 'pipe'], roles: { stdout: 1, stderr: [2], stdin: true, holdOutput: true },
      }));
      await short.exited;
      assert.equal(short.holdsOutput, true);
      const seen: string[] = [];
      short.attach((stream, d) => seen.push(`${stream}:${d.toString()}`));
      // The two streams are two pipes: their order between them is not the container's.
      assert.deepEqual([...seen].sort(), ['stderr:two\n', 'stdout:one\n']);
      assert.equal(short.holdsOutput, false, 'given once');
      // A running one: what it printed before, then what comes; a second attach sees only what comes.
      const long = await l.start(request(dir, 'r', ['sh', '-c', 'echo before; read x; echo "got $x"; read y; echo "then $y"'], {
        stdio: ['pipe', 'pipe', 'pipe'], roles: { stdout: 1, stderr: [2], stdin: true, holdOutput: true },
      }));
      await eventually(() => assert.equal(long.holdsOutput, true));
      const first: string[] = [];
      const detach = long.attach((_s, d) => first.push(d.toString()));
      long.stdin!.write('a\n');
      await eventually(() => assert.deepEqual(first.join(''), 'before\ngot a\n'));
      detach();
      const second: string[] = [];
      long.attach((_s, d) => second.push(d.toString()));
      long.stdin!.end('b\n');
      await long.exited;
      await eventually(() => assert.equal(second.join(''), 'then b\n'));
      assert.equal(first.join(''), 'before\ngot a\n');
    } finally { l.close(); fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test(`${name}: waitInit: ready comes once the first child (the setup script) has chrooted, with its pid`, { skip: process.getuid?.() !== 0 ? 'chroot needs root' : false }, async () => {
    const dir = tmp();
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    const l = make();
    try {
      // As unshare --fork: the started process forks the script, which says ready, then (a moment later) chroots.
      const script = 'echo >&5; sleep 0.3; exec chroot "$0" /bin/busybox sleep 30';
      const task = await l.start(request(dir, 'w', ['sh', '-c', 'sh -c "$1" "$0" & wait', root, script], {
        stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'], roles: { stdout: 1, stderr: [2], ready: 5 }, waitInit: true,
      }));
      await task.ready;
      assert.ok(task.initPid && task.initPid !== task.pid, `initPid ${task.initPid}, pid ${task.pid}`);
      assert.equal(fs.readlinkSync(`/proc/${task.initPid}/root`), root, 'ready only after the chroot');
      task.signal('SIGKILL', false);
      process.kill(task.initPid!, 'SIGKILL');
      await task.exited;
    } finally { l.close(); fs.rmSync(dir, { recursive: true, force: true }); }
  });
}

test('shim: the setup script\'s stderr is logged without unshare\'s signal noise and its tail is reported', async () => {
  const dir = tmp();
  const shim = ContainerShim.spawn()!;
  try {
    const task = await shim.start(request(dir, 'e', ['sh', '-c', 'echo real >&3; echo setup-failed >&2; echo "unshare: sigprocmask unblock failed" >&2; exit 1'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'], roles: { stdout: 1, stderr: [3], setupErr: 2 },
    }));
    const x = await task.exited;
    assert.equal(x.code, 1);
    assert.match(x.setupErr, /sigprocmask unblock failed/);
    assert.deepEqual(records(path.join(dir, 'e.log')).map((r) => `${r.stream} ${r.message}`).sort(), ['stderr real', 'stderr setup-failed']);
  } finally { shim.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('shim: its containers are its children; they outlive the agent letting go (a crash), and the shim ends with the last', async () => {
  const dir = tmp();
  const shim = ContainerShim.spawn()!;
  try {
    // It waits on its stdin, which the shim holds open.
    const task = await shim.start(request(dir, 'z', ['sh', '-c', 'echo before; read x; echo after'], {
      stdio: ['pipe', 'pipe', 'pipe'], roles: { stdout: 1, stderr: [2], stdin: true },
    }));
    const ppid = fs.readFileSync(`/proc/${task.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
    assert.equal(Number(ppid), shim.pid);
    await eventually(() => assert.deepEqual(records(path.join(dir, 'z.log')).map((r) => r.message), ['before']));
    shim.close();
    assert.equal(alive(task.pid!), true, 'the container runs on without its agent');
    assert.equal(alive(shim.pid!), true, 'and so does its shim');
    process.kill(task.pid!, 'SIGKILL');
    const x = await task.exited;
    assert.equal(x.signal, 'SIGKILL');
    await eventually(() => assert.equal(alive(shim.pid!), false, 'the shim ends with its last container'));
  } finally { shim.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('shim: let go of once idle (it exits); sharedShim forks a new one for the next container', async () => {
  const dir = tmp();
  const shim = ContainerShim.spawn(50)!;
  try {
    const task = await shim.start(request(dir, 'i', ['true']));
    assert.equal((await task.exited).code, 0);
    await eventually(() => assert.equal(shim.alive, false));
    await eventually(() => assert.equal(alive(shim.pid!), false, 'the idle shim exited'));
    await assert.rejects(shim.start(request(dir, 'j', ['true'])), /not running/);
    const a = sharedShim()!;
    assert.equal(sharedShim(), a, 'one per process while it runs');
    const t2 = await a.start(request(dir, 'k', ['sh', '-c', 'echo again']));
    assert.equal((await t2.exited).code, 0);
    assert.deepEqual(records(path.join(dir, 'k.log')).map((r) => r.message), ['again']);
  } finally { shim.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('HeldOutput keeps chunks in order until released, and nothing once past its bound', () => {
  const h = new HeldOutput();
  assert.equal(h.pending, false);
  assert.equal(h.push('stdout', Buffer.from('a')), true);
  assert.equal(h.push('stderr', Buffer.from('b')), true);
  assert.equal(h.pending, true);
  const got: string[] = [];
  h.release((s, d) => got.push(`${s}:${d}`));
  assert.deepEqual(got, ['stdout:a', 'stderr:b']);
  assert.equal(h.holding, false);
  assert.equal(h.push('stdout', Buffer.from('c')), false, 'nothing is kept after the first attach');
  const big = new HeldOutput();
  assert.equal(big.push('stdout', Buffer.alloc(MAX_HELD_OUTPUT_BYTES)), true);
  assert.equal(big.push('stdout', Buffer.from('x')), false);
  assert.equal(big.pending, false);
  const none: string[] = [];
  big.release((_s, d) => none.push(d.toString()));
  assert.deepEqual(none, [], 'a partial replay would mislead: nothing is given');
});
