import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CriLogWriter, parseCriLine } from './cri-log.js';

function records(file: string) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => parseCriLine(l)!);
}

test('CriLogWriter: lines become F records per stream, a character split between chunks stays whole, the rest is P on close', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-log-'));
  try {
    const file = path.join(dir, '0.log');
    const w = new CriLogWriter(file, 1 << 20, () => new Date('2026-11-27T10:00:00.123Z'));
    const euro = Buffer.from('€\n');
    w.write('stdout', euro.subarray(0, 1));
    w.write('stdout', euro.subarray(1));
    w.write('stderr', 'oops\nhalf');
    w.close();
    const r = records(file);
    assert.deepEqual(r.map((x) => [x.stream, x.partial, x.message]), [['stdout', false, '€'], ['stderr', false, 'oops'], ['stderr', true, 'half']]);
    assert.equal(r[0].timestamp, '2026-11-27T10:00:00.123000000Z');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CriLogWriter: a line longer than 16 KiB is split into P records; the file rotates to .1 past its size', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-log-'));
  try {
    const file = path.join(dir, '0.log');
    const w = new CriLogWriter(file, 40 * 1024);
    w.write('stdout', `${'x'.repeat(20 * 1024)}\n`);
    assert.deepEqual(records(file).map((x) => [x.partial, x.message.length]), [[true, 16 * 1024], [false, 4 * 1024]]);
    w.write('stdout', `${'y'.repeat(30 * 1024)}\n`);
    w.close();
    assert.ok(fs.existsSync(`${file}.1`));
    assert.ok(records(file).every((x) => x.message.startsWith('y')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
