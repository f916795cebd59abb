import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CriLogWriter } from '../../runtime/cri-log.js';
import { streamLog } from './logs.js';

async function read(file: string, opts: Parameters<typeof streamLog>[1]): Promise<string> {
  const out = new PassThrough();
  let s = '';
  out.on('data', (d) => { s += d; });
  await streamLog(file, opts, out, new Date('2026-01-01T00:01:00Z'));
  return s;
}

test('logs: tailLines, timestamps, limitBytes, sinceTime over CRI files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-test-'));
  const file = path.join(dir, '0.log');
  let t = Date.parse('2026-01-01T00:00:00Z');
  const w = new CriLogWriter(file, 1 << 20, () => new Date(t += 1000));
  w.write('stdout', '1\n2\n3\npart');
  w.close();
  assert.equal(await read(file, {}), '1\n2\n3\npart');
  assert.equal(await read(file, { tailLines: 2 }), '3\npart');
  assert.equal(await read(file, { timestamps: true, tailLines: 1 }), '2026-01-01T00:00:04.000000000Z part');
  assert.equal(await read(file, { limitBytes: 3 }), '1\n2');
  assert.equal(await read(file, { sinceTime: '2026-01-01T00:00:03Z' }), '3\npart');
});

test('log rotation keeps writing to the same path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-test-'));
  const file = path.join(dir, '0.log');
  const w = new CriLogWriter(file, 200);
  for (let i = 0; i < 10; i++) w.write('stdout', `line ${i}\n`);
  w.close();
  assert.ok(fs.existsSync(file + '.1'));
  assert.ok(fs.statSync(file).size <= 200);
});
