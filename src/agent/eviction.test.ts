import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../util/clock.js';
import {
  DEFAULT_EVICTION_HARD, PressureTracker, observeHost, parseThresholds, thresholdsMet, type Observations,
} from './eviction.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-eviction-'));
  dirs.push(d);
  return d;
}

/** healthy is a node with plenty of everything: no default threshold is met. */
const healthy: Observations = {
  'memory.available': { available: 4 * Gi, capacity: 8 * Gi },
  'nodefs.available': { available: 50 * Gi, capacity: 100 * Gi },
  'nodefs.inodesFree': { available: 900_000, capacity: 1_000_000 },
  'imagefs.available': { available: 50 * Gi, capacity: 100 * Gi },
  'imagefs.inodesFree': { available: 900_000, capacity: 1_000_000 },
  'pid.available': { available: 30_000, capacity: 32_768 },
};

test('kubelet\'s default hard thresholds on Linux, parsed', () => {
  assert.deepEqual(parseThresholds(DEFAULT_EVICTION_HARD), [
    { signal: 'memory.available', quantity: 100 * Mi },
    { signal: 'nodefs.available', percentage: 0.1 },
    { signal: 'nodefs.inodesFree', percentage: 0.05 },
    { signal: 'imagefs.available', percentage: 0.15 },
    { signal: 'imagefs.inodesFree', percentage: 0.05 },
  ]);
  assert.deepEqual(parseThresholds({ 'memory.available': '0', 'nodefs.available': '0%' }), [], 'zero is no threshold');
  assert.throws(() => parseThresholds({ 'cpu.available': '1' }), /unsupported eviction signal cpu.available/);
  assert.throws(() => parseThresholds({ 'nodefs.available': '120%' }), /invalid percentage 120%/);
  assert.throws(() => parseThresholds({ 'memory.available': 'lots' }), /quantities must match/);
});

test('thresholdsMet: a signal strictly below its threshold (quantity or share of capacity)', () => {
  const defaults = parseThresholds(DEFAULT_EVICTION_HARD);
  const met = (change: Observations) => thresholdsMet(defaults, { ...healthy, ...change }).map((t) => t.signal);
  const cases: [string, Observations, string[]][] = [
    ['healthy', {}, []],
    ['memory 99Mi left', { 'memory.available': { available: 99 * Mi, capacity: 8 * Gi } }, ['memory.available']],
    ['memory exactly 100Mi left', { 'memory.available': { available: 100 * Mi, capacity: 8 * Gi } }, []],
    ['nodefs 9% free', { 'nodefs.available': { available: 9 * Gi, capacity: 100 * Gi } }, ['nodefs.available']],
    ['nodefs 10% free', { 'nodefs.available': { available: 10 * Gi, capacity: 100 * Gi } }, []],
    ['inodes 4% free', { 'nodefs.inodesFree': { available: 40_000, capacity: 1_000_000 } }, ['nodefs.inodesFree']],
    ['imagefs 14% free', { 'imagefs.available': { available: 14 * Gi, capacity: 100 * Gi } }, ['imagefs.available']],
    ['no PID threshold by default', { 'pid.available': { available: 0, capacity: 32_768 } }, []],
    ['an unobserved signal is never met', { 'memory.available': undefined }, []],
  ];
  for (const [name, change, want] of cases) assert.deepEqual(met(change), want, name);
  const pid = parseThresholds({ 'pid.available': '10%' });
  assert.deepEqual(thresholdsMet(pid, { 'pid.available': { available: 3000, capacity: 32_768 } }).map((t) => t.signal), ['pid.available']);
  assert.deepEqual(thresholdsMet(pid, { 'pid.available': { available: 3300, capacity: 32_768 } }), []);
});

test('PressureTracker: conditions from met thresholds, held for the transition period after the last one', async () => {
  const clock = new FakeClock();
  const tracker = new PressureTracker(clock, { thresholds: parseThresholds({ ...DEFAULT_EVICTION_HARD, 'pid.available': '10%' }) });
  const low: Observations = {
    ...healthy,
    'memory.available': { available: 50 * Mi, capacity: 8 * Gi },
    'imagefs.available': { available: 5 * Gi, capacity: 100 * Gi },
    'pid.available': { available: 100, capacity: 32_768 },
  };
  assert.deepEqual([...tracker.observe(healthy)], []);
  assert.deepEqual([...tracker.observe(low)].sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure']);
  // memory recovers at once; the condition stays for 5 minutes after it was last seen low
  await clock.step(60_000);
  assert.deepEqual([...tracker.observe({ ...low, 'memory.available': healthy['memory.available'] })].sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure']);
  await clock.step(4 * 60_000 - 1);
  assert.deepEqual([...tracker.observe(healthy)].sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure'], 'memory: 4m59.999s since last low');
  await clock.step(1);
  assert.deepEqual([...tracker.observe(healthy)].sort(), ['DiskPressure', 'PIDPressure'], 'memory: 5m since last low');
  await clock.step(60_000);
  assert.deepEqual([...tracker.observe(healthy)], []);
});

test('observeHost reads memory, the root dir\'s filesystem and PIDs', () => {
  const d = tmp();
  const write = (name: string, text: string) => { fs.writeFileSync(path.join(d, name), text); return path.join(d, name); };
  const src = {
    meminfo: write('meminfo', 'MemTotal:        8388608 kB\nMemFree:          102400 kB\nMemAvailable:    1048576 kB\n'),
    pidMax: write('pid_max', '4194304\n'),
    threadsMax: write('threads-max', '32768\n'),
    loadavg: write('loadavg', '0.52 0.58 0.59 3/768 12345\n'),
  };
  const o = observeHost(d, src);
  assert.deepEqual(o['memory.available'], { available: 1024 * Mi, capacity: 8 * Gi });
  assert.deepEqual(o['pid.available'], { available: 32_768 - 768, capacity: 32_768 });
  const fsStats = fs.statfsSync(d);
  assert.equal(o['nodefs.available']!.capacity, fsStats.blocks * fsStats.bsize);
  assert.ok(o['nodefs.available']!.available > 0 && o['nodefs.available']!.available <= o['nodefs.available']!.capacity);
  assert.deepEqual(o['imagefs.available'], o['nodefs.available']);
  // what cannot be read is not observed (and so never raises a condition)
  const none = observeHost(path.join(d, 'missing'), { meminfo: path.join(d, 'x'), pidMax: path.join(d, 'x'), threadsMax: path.join(d, 'x'), loadavg: path.join(d, 'x') });
  assert.deepEqual(none, {});
});
