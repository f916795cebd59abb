import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diskUsage, parseNetDev, parseNodeMemory, readRlimit, statFs } from './host.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-host-'));
  dirs.push(d);
  return d;
}

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:  123456     100    2    0    0     0          0         0    65432      90    1    0    0     0       0          0
veth12ab:    500       5    0    0    0     0          0         0      600       6    0    0    0     0       0          0
  cni0:     700       7    0    0    0     0          0         0      800       8    3    0    0     0       0          0
`;

describe('parseNetDev', () => {
  it('reads bytes and errors of each interface, leaving out loopback and veth ends as cAdvisor does', () => {
    assert.deepEqual(parseNetDev(NET_DEV), [
      { name: 'eth0', rxBytes: 123456, rxErrors: 2, txBytes: 65432, txErrors: 1 },
      { name: 'cni0', rxBytes: 700, rxErrors: 0, txBytes: 800, txErrors: 3 },
    ]);
    assert.deepEqual(parseNetDev('garbage'), []);
  });
});

describe('parseNodeMemory', () => {
  it('working set is total − available, usage total − free, rss the anonymous pages, faults from vmstat', () => {
    const meminfo = 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\nAnonPages:       150 kB\n';
    assert.deepEqual(parseNodeMemory(meminfo, 'pgfault 77\npgmajfault 3\n'), {
      availableBytes: 600 * 1024, usageBytes: 800 * 1024, workingSetBytes: 400 * 1024, rssBytes: 150 * 1024, pageFaults: 77, majorPageFaults: 3,
    });
  });
  it('leaves out what the files do not say, and is undefined without totals', () => {
    assert.deepEqual(parseNodeMemory('MemTotal: 10 kB\nMemFree: 4 kB\n'), { availableBytes: 4096, usageBytes: 6144, workingSetBytes: 6144 });
    assert.equal(parseNodeMemory(''), undefined);
  });
});

describe('readRlimit', () => {
  it('reads pid_max and the task count of loadavg', () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'sys/kernel'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sys/kernel/pid_max'), '4194304\n');
    fs.writeFileSync(path.join(root, 'loadavg'), '0.52 0.58 0.59 2/467 12345\n');
    assert.deepEqual(readRlimit(root), { maxpid: 4194304, curproc: 467 });
    assert.equal(readRlimit(tmp()), undefined);
  });
});

describe('diskUsage and statFs', () => {
  it('counts every file and directory once, hard links once, and does not follow symlinks', () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, 'sub'));
    fs.writeFileSync(path.join(d, 'sub/a'), 'x'.repeat(10000));
    fs.linkSync(path.join(d, 'sub/a'), path.join(d, 'b'));
    fs.symlinkSync('/etc', path.join(d, 'link'));
    const u = diskUsage(d)!;
    assert.equal(u.inodes, 4, 'the directory, sub, a (linked twice), the symlink');
    const blocks = (p: string) => fs.lstatSync(p).blocks * 512;
    assert.equal(u.bytes, blocks(d) + blocks(path.join(d, 'sub')) + blocks(path.join(d, 'sub/a')) + blocks(path.join(d, 'link')));
    assert.ok(u.bytes >= 10000);
    assert.equal(diskUsage(path.join(d, 'missing')), undefined);
  });
  it('statFs gives a filesystem\'s sizes consistently', () => {
    const f = statFs(tmp())!;
    assert.ok(f.capacityBytes > 0 && f.availableBytes <= f.capacityBytes && f.usedBytes <= f.capacityBytes);
    assert.equal(f.inodesUsed, f.inodes - f.inodesFree);
    assert.equal(statFs('/no/such/dir'), undefined);
  });
});
