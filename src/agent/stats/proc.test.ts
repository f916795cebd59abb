import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeminfoWorkingSet, parseProcessStat, parseProcStat, parseVmRSS, processTree, type ProcessStat } from './proc.js';

const statLine = (pid: number, comm: string, ppid: number, pgrp: number, utime: number, stime: number, cutime = 0, cstime = 0) =>
  `${pid} (${comm}) S ${ppid} ${pgrp} ${pgrp} 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 5000 1000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0`;

describe('parseProcessStat', () => {
  it('sums own and reaped children\'s user and system ticks, counting fields after the last parenthesis', () => {
    assert.deepEqual(parseProcessStat(statLine(42, 'sh', 1, 42, 10, 5, 3, 2)), { pid: 42, ppid: 1, pgrp: 42, cpuTicks: 20, startTicks: 5000 });
    // A command name may hold spaces and parentheses.
    assert.deepEqual(parseProcessStat(statLine(7, 'a) (b c', 3, 7, 1, 1)), { pid: 7, ppid: 3, pgrp: 7, cpuTicks: 2, startTicks: 5000 });
  });
  it('rejects a truncated or garbled line', () => {
    assert.equal(parseProcessStat('12 (x) S 1 2'), undefined);
    assert.equal(parseProcessStat('nonsense'), undefined);
  });
});

describe('processTree', () => {
  const p = (pid: number, ppid: number, pgrp: number): ProcessStat => ({ pid, ppid, pgrp, cpuTicks: 0, startTicks: 0 });
  const table = new Map([p(1, 0, 1), p(100, 1, 100), p(101, 100, 100), p(102, 101, 100), p(103, 1, 100), p(200, 1, 200), p(201, 200, 200)].map((x) => [x.pid, x]));
  it('takes the root, its descendants, and its process group (children re-parented to init)', () => {
    assert.deepEqual(processTree(table, 100).sort((a, b) => a - b), [100, 101, 102, 103]);
    assert.deepEqual(processTree(table, 200).sort((a, b) => a - b), [200, 201]);
  });
  it('is empty for a process that is gone', () => {
    assert.deepEqual(processTree(table, 999), []);
  });
});

describe('host readings', () => {
  it('counts busy CPU ticks without idle and iowait, and reads the boot time', () => {
    const text = 'cpu  100 5 50 1000 20 3 2 1 7 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 1\nbtime 1700000000\n';
    assert.deepEqual(parseProcStat(text), { busyTicks: 100 + 5 + 50 + 3 + 2 + 1, bootTimeSeconds: 1700000000 });
    assert.equal(parseProcStat('intr 1\n'), undefined);
  });
  it('takes the working set as MemTotal − MemAvailable', () => {
    assert.equal(parseMeminfoWorkingSet('MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    600 kB\n'), 400 * 1024);
    assert.equal(parseMeminfoWorkingSet('MemTotal: 1000 kB\nMemFree: 300 kB\n'), 700 * 1024, 'old kernels without MemAvailable');
    assert.equal(parseMeminfoWorkingSet('nothing'), undefined);
  });
  it('reads VmRSS in bytes, 0 where there is none', () => {
    assert.equal(parseVmRSS('Name:\tsh\nVmRSS:\t    1924 kB\nThreads: 1\n'), 1924 * 1024);
    assert.equal(parseVmRSS('Name:\tkthreadd\nThreads: 1\n'), 0);
  });
});
