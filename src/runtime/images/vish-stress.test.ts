import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMAGES_DIR } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { requireTool } from '../../testing/system-tools.js';

const STRESS = path.join(IMAGES_DIR, 'vish-stress.py');
/** the stand-in is a python3 script: without python3 these tests are skipped with the install line */
const needsPython = requireTool({ name: 'python3', command: 'python3', apt: 'python3' });

/** a glog INFO line's header: "Immdd hh:mm:ss.uuuuuu threadid main.go:N] " */
const glog = (line: number, msg: string) => new RegExp(`^I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} +\\d+ main\\.go:${line}\\] ${msg}$`);

/** start runs the stress stand-in in the background and collects its stderr (glog's). */
function start(args: string[]): { child: ChildProcess; err: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(STRESS, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, err: () => err, exited };
}

/** proc reads a process's resident memory (bytes) and CPU time (clock ticks, user + system). */
function proc(pid: number): { rss: number; ticks: number } {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss, ticks: Number(f[11]) + Number(f[12]) };
}

test('vish/stress -cpus 2 -mem-total: glog lines, CPU burnt by two threads, the memory resident in steps, then it sleeps until SIGTERM', needsPython, async () => {
  const s = start(['-logtostderr', '-cpus', '2', '-mem-total', '30Mi', '-mem-alloc-size', '10Mi', '-mem-alloc-sleep', '10ms']);
  try {
    await eventually(() => assert.match(s.err(), /Allocated "30Mi" memory\n$/), 30_000, 100);
    const lines = s.err().trimEnd().split('\n');
    assert.equal(lines.length, 4, s.err());
    assert.match(lines[0], glog(26, 'Allocating "30Mi" memory, in "10Mi" chunks, with a 10ms sleep between allocations'));
    assert.match(lines[1], glog(39, 'Spawning a thread to consume CPU'));
    assert.match(lines[2], glog(39, 'Spawning a thread to consume CPU'));
    assert.match(lines[3], glog(29, 'Allocated "30Mi" memory'));
    assert.match(lines[0], new RegExp(` ${s.child.pid} main\\.go`), 'glog names the process');
    const pid = s.child.pid!;
    assert.ok(proc(pid).rss >= 30 * 1024 * 1024, `RSS ${proc(pid).rss}`);
    // the burners run: CPU time keeps growing while it sleeps (more than one tick per tick of a
    // single thread is not asserted, the machine is shared)
    const before = proc(pid).ticks;
    await eventually(() => assert.ok(proc(pid).ticks >= before + 50, `ticks ${proc(pid).ticks} from ${before}`), 60_000, 100);
    assert.equal(s.child.exitCode, null, 'it sleeps for ever');
    s.child.kill('SIGTERM');
    assert.deepEqual(await s.exited, { code: null, signal: 'SIGTERM' });
  } finally {
    s.child.kill('SIGKILL');
  }
});

test('vish/stress: quantities print in canonical form, durations as Go prints them; without -logtostderr glog writes its file', needsPython, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vish-stress-'));
  const s = start(['-log_dir', dir, '-mem-total', '1000M', '-mem-alloc-size', '0.5Mi', '-mem-alloc-sleep', '1m30s', '-v', '2']);
  try {
    await eventually(() => {
      const files = fs.readdirSync(dir);
      assert.equal(files.length, 1);
      assert.match(files[0], /^stress\..+\.log\.INFO\.\d{8}-\d{6}\.\d+$/);
      const text = fs.readFileSync(path.join(dir, files[0]), 'utf8');
      assert.match(text, /^Log file created at: /);
      assert.match(text, /Allocating "1G" memory, in "512Ki" chunks, with a 1m30s sleep between allocations\n$/);
    }, 30_000, 100);
    assert.equal(s.err(), '', 'INFO lines go to the file only');
    s.child.kill('SIGINT');
    assert.deepEqual(await s.exited, { code: null, signal: 'SIGINT' });
  } finally {
    s.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('vish/stress: an unknown flag, a bad duration and a bad quantity fail as the Go program does (exit 2)', needsPython, () => {
  const unknown = spawnSync(STRESS, ['-frob'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^flag provided but not defined: -frob\nUsage of \/stress:\n {2}-alsologtostderr\n/);
  assert.match(unknown.stderr, /\n {2}-cpus int\n {4}\ttotal number of CPUs to utilize\n/);
  assert.match(unknown.stderr, /\n {2}-mem-alloc-size string\n {4}\tamount of memory to be consumed in each allocation \(default "4Ki"\)\n/);

  const duration = spawnSync(STRESS, ['-mem-alloc-sleep', 'soon'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(duration.status, 2);
  assert.match(duration.stderr, /^invalid value "soon" for flag -mem-alloc-sleep: parse error\n/);

  const quantity = spawnSync(STRESS, ['-logtostderr', '-mem-total', 'lots'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(quantity.status, 2);
  assert.match(quantity.stderr, /^panic: cannot parse 'lots': quantities must match the regular expression/);
});
