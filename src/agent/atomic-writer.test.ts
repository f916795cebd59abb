import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, writeAtomically } from './atomic-writer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-writer-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(root, `vol-${++n}`);
const file = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

test('the kubelet\'s layout: files in a timestamped directory, ..data links to it, each top-level name links into ..data', () => {
  const dir = fresh();
  writeAtomically(dir, { 'game.properties': file('lives=3'), 'conf/ui.properties': file('color=blue', 0o400) }, new Date('2026-11-28T02:10:07Z'));
  const payload = fs.readlinkSync(path.join(dir, DATA_DIR));
  assert.match(payload, /^\.\.2026_11_28_02_10_07\.\d{1,10}$/);
  assert.deepEqual(fs.readdirSync(dir).sort(), [payload, DATA_DIR, 'conf', 'game.properties'].sort());
  assert.equal(fs.readlinkSync(path.join(dir, 'game.properties')), '..data/game.properties');
  assert.equal(fs.readlinkSync(path.join(dir, 'conf')), '..data/conf');
  assert.equal(fs.readFileSync(path.join(dir, 'conf/ui.properties'), 'utf8'), 'color=blue');
  assert.equal(fs.statSync(path.join(dir, 'conf/ui.properties')).mode & 0o777, 0o400);
  assert.equal(fs.statSync(path.join(dir, payload)).mode & 0o777, 0o755);
});

test('an update swaps ..data to a new payload, drops names that are gone and the old payload; the same content changes nothing', () => {
  const dir = fresh();
  writeAtomically(dir, { a: file('1'), b: file('2') });
  const first = fs.readlinkSync(path.join(dir, DATA_DIR));
  writeAtomically(dir, { a: file('1'), b: file('2') });
  assert.equal(fs.readlinkSync(path.join(dir, DATA_DIR)), first, 'same content: same payload');
  // A reader holding a file of the old payload keeps reading it after the swap.
  const held = fs.openSync(path.join(dir, 'a'), 'r');
  writeAtomically(dir, { a: file('one'), c: file('3') });
  const second = fs.readlinkSync(path.join(dir, DATA_DIR));
  assert.notEqual(second, first);
  assert.deepEqual(fs.readdirSync(dir).sort(), [second, DATA_DIR, 'a', 'c'].sort());
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'one');
  assert.equal(fs.readFileSync(held, 'utf8'), '1');
  fs.closeSync(held);
  // A mode change alone is a change.
  writeAtomically(dir, { a: file('one', 0o600), c: file('3') });
  assert.equal(fs.statSync(path.join(dir, 'a')).mode & 0o777, 0o600);
});

test('an empty payload (an optional ConfigMap that is gone) shows nothing; unsafe paths are skipped', () => {
  const dir = fresh();
  writeAtomically(dir, { a: file('1') });
  writeAtomically(dir, {});
  assert.deepEqual(fs.readdirSync(dir).filter((e) => !e.startsWith('..')), []);
  writeAtomically(dir, { '../escape': file('x'), '/abs': file('x'), '..hidden': file('x'), ok: file('y') });
  assert.deepEqual(fs.readdirSync(dir).filter((e) => !e.startsWith('..')), ['ok']);
  assert.ok(!fs.existsSync(path.join(root, 'escape')));
});

test('files of the layout before links (an agent upgraded under a running pod) give way to links', () => {
  const dir = fresh();
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a'), 'old');
  fs.writeFileSync(path.join(dir, 'sub', 'x'), 'old');
  fs.writeFileSync(path.join(dir, 'stale'), 'old');
  writeAtomically(dir, { a: file('new'), 'sub/x': file('new') });
  assert.ok(fs.lstatSync(path.join(dir, 'a')).isSymbolicLink());
  assert.equal(fs.readFileSync(path.join(dir, 'sub', 'x'), 'utf8'), 'new');
  assert.ok(!fs.existsSync(path.join(dir, 'stale')));
});
