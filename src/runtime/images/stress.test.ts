import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMAGES_DIR } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { requireTool } from '../../testing/system-tools.js';
import { spawnCollected } from '../../testing/collected-process.js';

const STRESS = path.join(IMAGES_DIR, 'stress.py');
/** the stand-in is a python3 script: without python3 these tests are skipped with the install line */
const needsPython = requireTool({ name: 'python3', command: 'python3', apt: 'python3' });

/** run runs stress to its end. */
function run(args: string[], cwd = os.tmpdir()) {
  return spawnSync(STRESS, args, { cwd, encoding: 'utf8', timeout: 60_000 });
}

/** start runs stress in the background and collects its output. */
function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const p = spawnCollected(STRESS, args);
  return { ...p, exited: p.exited.then((e) => e.code) };
}

/** children lists a process's child PIDs. */
function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch { return []; }
}

/** rssBytes is a process's resident memory (VmRSS). */
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

test('stress: usage without arguments, --version, an unknown option and a bad number fail as stress does', needsPython, () => {
  const usage = run([]);
  assert.equal(usage.status, 0);
  assert.match(usage.stdout, /^`stress' imposes certain types of compute stress on your system\n\nUsage: stress \[OPTION \[ARG\]\] \.\.\.\n/);
  assert.match(usage.stdout, /\n {5}--vm-bytes B {3}malloc B bytes per vm worker \(default is 256MB\)\n/);
  assert.match(usage.stdout, /Note: Numbers may be suffixed with s,m,h,d,y \(time\) or B,K,M,G \(size\)\.\n$/);
  assert.equal(run(['--help']).stdout, usage.stdout);

  const version = run(['--version']);
  assert.equal(version.stdout, 'stress 1.0.4\n');

  const bad = run(['--frobnicate']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^stress: FAIL: \[\d+\] \(\d+\) unrecognized option: --frobnicate\n$/);

  const nan = run(['--vm', '1', '--vm-bytes', '12Q']);
  assert.equal(nan.status, 1);
  assert.match(nan.stderr, /invalid number: 12Q\n$/);
});

test('stress --vm 1 --vm-hang 0: the worker holds --vm-bytes resident; a worker killed by SIGKILL (the OOM killer) fails the run', needsPython, async () => {
  const s = start(['--vm', '1', '--vm-bytes', '40M', '--vm-hang', '0']);
  try {
    const worker = await eventually(() => {
      const [pid] = children(s.child.pid!);
      assert.ok(pid, 'the vm worker is forked');
      // 40M is 40 MiB (stress's sizes are powers of 1024), every page touched, so resident
      assert.ok(rssBytes(pid) >= 40 * 1024 * 1024, `worker RSS ${rssBytes(pid)}`);
      assert.match(s.out(), /^stress: info: \[\d+\] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n$/);
      return pid;
    }, 30_000, 100);
    assert.ok(rssBytes(s.child.pid!) < 40 * 1024 * 1024, 'the parent holds none of it');
    process.kill(worker, 'SIGKILL');
    assert.equal(await s.exited, 1);
    const pid = s.child.pid!;
    const lines = s.err().split('\n');
    assert.equal(lines[0], `stress: FAIL: [${pid}] (415) <-- worker ${worker} got signal 9`);
    assert.equal(lines[1], `stress: WARN: [${pid}] (417) now reaping child worker processes`);
    // not a process-group leader here (docker's PID 1 often is not either): the reaping kill fails as stress's does
    assert.equal(lines[2], `stress: FAIL: [${pid}] (421) kill error: No such process`);
    assert.match(lines[3], new RegExp(`^stress: FAIL: \\[${pid}\\] \\(451\\) failed run completed in \\d+s$`));
  } finally {
    s.child.kill('SIGKILL');
  }
});

test('stress -v: sizes with suffixes, the stride, hang, free and reallocate; -t ends the run successfully', needsPython, () => {
  const r = run(['-v', '--vm', '1', '--vm-bytes', '2K', '--vm-stride', '512', '--vm-hang', '1', '-t', '2s']);
  assert.equal(r.status, 0, r.stderr);
  const pid = r.pid;
  assert.match(r.stdout, new RegExp(`^stress: info: \\[${pid}\\] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n`));
  assert.match(r.stdout, /stress: dbug: \[\d+\] using backoff sleep of 3000us\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] setting timeout to 2s\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] --> hogvm worker 1 \[\d+\] forked\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] allocating 2048 bytes \.\.\.\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] touching bytes in strides of 512 bytes \.\.\.\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] sleeping for 1s with allocated memory\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] freed 2048 bytes\n/);
  assert.match(r.stdout, /stress: dbug: \[\d+\] <-- worker \d+ signalled normally\n/);
  assert.match(r.stdout, new RegExp(`stress: info: \\[${pid}\\] successful run completed in \\d+s\n$`));
  assert.equal(r.stderr, '');
});

test('stress: cpu and hdd hogs with a timeout, -q silences, -n does nothing', needsPython, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stress-hdd-'));
  try {
    const r = run(['--cpu', '2', '--hdd', '1', '--hdd-bytes', '1M', '--timeout', '1'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^stress: info: \[\d+\] dispatching hogs: 2 cpu, 0 io, 0 vm, 1 hdd\nstress: info: \[\d+\] successful run completed in \d+s\n$/);
    assert.deepEqual(fs.readdirSync(dir), [], 'the hdd worker unlinks its files');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const quiet = run(['-q', '-c1', '-t1s']); // getopt's attached values too
  assert.equal(quiet.status, 0);
  assert.equal(quiet.stdout + quiet.stderr, '');

  const dry = run(['-n', '--vm', '2', '--vm-bytes', '1G']);
  assert.equal(dry.status, 0);
  assert.match(dry.stdout, /dispatching hogs: 0 cpu, 0 io, 2 vm, 0 hdd\nstress: info: \[\d+\] successful run completed in 0s\n$/);
});
