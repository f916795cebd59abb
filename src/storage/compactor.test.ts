import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { Compactor } from './compactor.js';
import { MemoryBackend } from './memory/memory-backend.js';

async function writes(b: MemoryBackend, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const kv = await b.get('/c');
    if (kv) await b.update('/c', String(i), kv.modRevision);
    else await b.create('/c', String(i));
  }
}

describe('Compactor', () => {
  it('keeps both the last keepRevisions revisions and the last keepMs of history', async () => {
    const clock = new FakeClock();
    const b = new MemoryBackend();
    const c = new Compactor(b, { intervalMs: 60_000, keepRevisions: 10, keepMs: 300_000, clock });
    await writes(b, 50);
    assert.equal(await c.runOnce(), 0, 'nothing is old enough yet');
    await clock.step(300_000);
    await writes(b, 5);
    // The sample from 5 min ago says 50; head is 55, so keepRevisions (55-10=45) is the tighter bound.
    assert.equal(await c.runOnce(), 45);
    assert.equal(await b.compactedRevision(), 45);
    await writes(b, 100);
    await clock.step(300_000);
    // Now the time bound wins: 5 min ago the head was 55 (head now 155, minus 10 would be 145).
    assert.equal(await c.runOnce(), 55);
    assert.equal((await b.get('/c'))?.value, '99', 'the live key survives');
    await b.close();
  });

  it('runs periodically on the clock until stopped', async () => {
    const clock = new FakeClock();
    const b = new MemoryBackend();
    const c = new Compactor(b, { intervalMs: 1000, keepRevisions: 0, keepMs: 1000, clock });
    c.start();
    await writes(b, 20);
    await clock.step(1000);
    await clock.step(1000);
    assert.ok((await b.compactedRevision()) >= 20);
    await c.stop();
    await writes(b, 5);
    await clock.step(5000);
    assert.equal(clock.pending(), 0);
    assert.ok((await b.compactedRevision()) <= 20);
    await b.close();
  });
});
