import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatchEvent } from '../backend.js';
import { KeyExistsError, RevisionMismatchError } from '../errors.js';
import { SqliteBackend } from './sqlite-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-sqlite-gc-'));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));
const open = () => SqliteBackend.open(join(dir, `db-${n++}`, 'state.db'));

test('writes issued together commit together: each is decided after the ones before it, and only the failing ones fail', async () => {
  const b = open();
  const base = await b.create('/k', 'v0');
  const results = await Promise.allSettled([
    b.create('/a', '1'),
    b.create('/a', '2'), // the first create of /a is in the same batch, and wins
    b.update('/k', 'v1', base),
    b.update('/k', 'v2', base), // sees v1's row: a stale revision
    b.create('/c', '3'),
  ]);
  assert.equal(results[0].status, 'fulfilled');
  assert.ok(results[1].status === 'rejected' && results[1].reason instanceof KeyExistsError);
  assert.equal(results[2].status, 'fulfilled');
  assert.ok(results[3].status === 'rejected' && results[3].reason instanceof RevisionMismatchError);
  assert.equal(results[4].status, 'fulfilled');
  const revs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value as number] : []));
  assert.deepEqual(revs, [base + 1, base + 2, base + 3], 'the successful writes take consecutive revisions in call order');
  assert.equal(await b.currentRevision(), base + 3);
  assert.equal((await b.get('/a'))?.value, '1');
  assert.equal((await b.get('/k'))?.value, 'v1');
  await b.close();
});

test('watchers see a batch in revision order, each write acknowledged only after its event was published', async () => {
  const b = open();
  const start = await b.currentRevision();
  const ac = new AbortController();
  const seen: WatchEvent[] = [];
  const watching = (async () => {
    for await (const ev of b.watch('/w/', { afterRevision: start, signal: ac.signal })) {
      seen.push(ev);
      if (seen.length === 20) break;
    }
  })();
  const acked: number[] = [];
  await Promise.all(Array.from({ length: 20 }, (_, i) => b.create(`/w/${i}`, String(i)).then((rev) => { acked.push(rev); })));
  await watching;
  ac.abort();
  assert.deepEqual(seen.map((e) => e.revision), Array.from({ length: 20 }, (_, i) => start + i + 1));
  assert.deepEqual(seen.map((e) => e.kv.key), Array.from({ length: 20 }, (_, i) => `/w/${i}`));
  assert.deepEqual(acked, seen.map((e) => e.revision));
  await b.close();
});

test('close commits the writes already accepted; later writes are refused', async () => {
  const path = join(dir, 'close', 'state.db');
  const b = SqliteBackend.open(path);
  const pending = [b.create('/x', '1'), b.create('/y', '2')];
  await b.close();
  assert.equal((await Promise.all(pending)).length, 2);
  await assert.rejects(b.create('/z', '3'));
  const again = SqliteBackend.open(path);
  assert.equal((await again.get('/x'))?.value, '1');
  assert.equal((await again.get('/y'))?.value, '2');
  await again.close();
});
