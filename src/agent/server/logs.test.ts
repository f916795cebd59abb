import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CriLogWriter, parseCriLine } from '../../runtime/cri-log.js';
import { streamLog } from './logs.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
/** tmp makes a directory removed when the file's tests end. */
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-test-'));
  dirs.push(d);
  return d;
}

async function read(file: string, opts: Parameters<typeof streamLog>[1]): Promise<string> {
  const out = new PassThrough();
  let s = '';
  out.on('data', (d) => { s += d; });
  await streamLog(file, opts, out, new Date('2026-01-01T00:01:00Z'));
  return s;
}

test('logs: tailLines, timestamps, limitBytes, sinceTime over CRI files', async () => {
  const file = path.join(tmp(), '0.log');
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

/** messages reads the messages of a CRI log file, in order ([] when it does not exist). */
function messages(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => parseCriLine(l)!.message);
}

test('log rotation: one rotation moves the file to .1 whole; no line lost, doubled or reordered', () => {
  const file = path.join(tmp(), '0.log');
  const w = new CriLogWriter(file, 200);
  // each record is ~48 bytes: lines 0-3 fill the first file, line 4 starts the new one
  const lines = Array.from({ length: 7 }, (_, i) => `line ${i}`);
  for (const l of lines) w.write('stdout', `${l}\n`);
  w.close();
  assert.deepEqual(messages(file + '.1'), lines.slice(0, 4));
  assert.deepEqual(messages(file), lines.slice(4));
  for (const f of [file, file + '.1']) assert.ok(fs.statSync(f).size <= 200, `${f}: ${fs.statSync(f).size} bytes`);
});

test('log rotation: after many rotations the two files hold the newest lines, contiguous and in order', () => {
  const file = path.join(tmp(), '0.log');
  const w = new CriLogWriter(file, 200);
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  for (const l of lines) w.write('stdout', `${l}\n`);
  w.close();
  const kept = [...messages(file + '.1'), ...messages(file)];
  assert.ok(kept.length >= 4, kept.join(','));
  assert.deepEqual(kept, lines.slice(lines.length - kept.length));
  assert.ok(fs.statSync(file).size <= 200 && fs.statSync(file + '.1').size <= 200);
});

test('logs -f across a rotation: every line once, in order', async () => {
  const file = path.join(tmp(), '0.log');
  const w = new CriLogWriter(file, 200);
  const out = new PassThrough();
  let got = '';
  out.on('data', (d) => { got += d; });
  let finish!: () => void;
  const done = new Promise<void>((r) => { finish = r; });
  w.write('stdout', 'line 0\n');
  const streaming = streamLog(file, { follow: true }, out, new Date(), done);
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
  // written in bursts, some of which rotate the file between two reads of the follower
  for (let i = 1; i < lines.length; i++) {
    w.write('stdout', `${lines[i]}\n`);
    if (i % 3 === 0) await new Promise((r) => setTimeout(r, 150));
  }
  w.close();
  finish();
  await streaming;
  assert.deepEqual(got.split('\n').filter(Boolean), lines);
});
