import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { terminationMessage } from './termination-message.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'term-msg-'));
const log = path.join(dir, '0.log');
fs.writeFileSync(log, [
  '2024-01-01T00:00:00.000000000Z stdout F first',
  '2024-01-01T00:00:00.100000000Z stderr P par',
  '2024-01-01T00:00:00.200000000Z stderr F tial',
  '2024-01-01T00:00:00.300000000Z stdout F DONE',
].join('\n') + '\n');
const file = path.join(dir, 'termination-log');

test('the termination message file wins; its end is kept (4 KiB)', () => {
  fs.writeFileSync(file, 'OK');
  assert.equal(terminationMessage({ file, policy: 'File', exitCode: 0, logPath: log }), 'OK');
  assert.equal(terminationMessage({ file, policy: 'FallbackToLogsOnError', exitCode: 1, logPath: log }), 'OK');
  fs.writeFileSync(file, 'x'.repeat(5000) + 'END');
  const m = terminationMessage({ file, exitCode: 0, logPath: log })!;
  assert.equal(m.length, 4096);
  assert.ok(m.endsWith('END'));
});

test('FallbackToLogsOnError takes the log only when the file is empty and the container failed', () => {
  fs.writeFileSync(file, '');
  assert.equal(terminationMessage({ file, policy: 'File', exitCode: 1, logPath: log }), undefined);
  assert.equal(terminationMessage({ file, policy: 'FallbackToLogsOnError', exitCode: 0, logPath: log }), undefined);
  assert.equal(terminationMessage({ file, policy: 'FallbackToLogsOnError', exitCode: 1, logPath: log }), 'first\npartial\nDONE\n');
  assert.equal(terminationMessage({ file: path.join(dir, 'absent'), policy: 'FallbackToLogsOnError', exitCode: 2, logPath: log }), 'first\npartial\nDONE\n');
});

test('the log fallback keeps an unterminated last line as it is (echo -n DONE)', () => {
  const l = path.join(dir, 'partial.log');
  fs.writeFileSync(l, '2024-01-01T00:00:00.000000000Z stdout P DONE\n');
  assert.equal(terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 1, logPath: l }), 'DONE');
});

test('the log fallback keeps the last 80 lines and 2 KiB', () => {
  const big = path.join(dir, 'big.log');
  fs.writeFileSync(big, Array.from({ length: 100 }, (_, i) => `2024-01-01T00:00:00.000000000Z stdout F line${i}`).join('\n') + '\n');
  const m = terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 1, logPath: big })!;
  assert.equal(m.split('\n')[0], 'line20');
  assert.ok(m.endsWith('line99\n'));
});
