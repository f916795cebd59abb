import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { StatusError } from '../apimachinery/errors.js';
import { limitObjectSize } from './object-size.js';

test('writes past etcd\'s 1.5 MiB are 413 and store nothing; smaller ones and reads pass through', async () => {
  const inner = new MemoryBackend();
  const b = limitObjectSize(inner, 100);
  const rev = await b.create('/k', 'x'.repeat(10));
  await assert.rejects(b.create('/big', 'x'.repeat(200)), (e: unknown) => e instanceof StatusError && e.code === 413 && e.message === 'Request entity too large: limit is 3145728');
  await assert.rejects(b.update('/k', 'y'.repeat(200), rev), (e: unknown) => e instanceof StatusError && e.code === 413);
  assert.equal((await b.get('/big')), null);
  assert.equal((await b.get('/k'))?.value, 'x'.repeat(10));
  await b.update('/k', 'z', rev);
  assert.equal((await inner.get('/k'))?.value, 'z');
});
