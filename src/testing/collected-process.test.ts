import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnCollected } from './collected-process.js';

test('spawnCollected keeps stdout and stderr apart and reports the exit code or signal', async () => {
  const p = spawnCollected(process.execPath, ['-e', 'process.stdout.write("to out"); process.stderr.write("to err"); process.exitCode = 3']);
  assert.deepEqual(await p.exited, { code: 3, signal: null });
  assert.equal(p.out(), 'to out');
  assert.equal(p.err(), 'to err');
  assert.equal(p.all(), 'to outto err');
  const killed = spawnCollected(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  killed.child.kill('SIGKILL');
  assert.deepEqual(await killed.exited, { code: null, signal: 'SIGKILL' });
});
