import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteBackend } from './sqlite-backend.js';
import { KeyExistsError, RevisionMismatchError } from '../errors.js';
import type { WatchEvent } from '../backend.js';

// The SQLite backend commits the writes planned in one turn of the event loop together (group
// commit). These check what that must not change: each write decides against the writes planned
// before it, reads see every write planned before them, watchers see changes in order once committed.

const dir = mkdtempSync(join(tmpdir(), 'tskube-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => {
  const path = join(dir, `db${n++}.sqlite`);
  return { path, b: SqliteBackend.open(path, { checkpointThread: false }) };
};

it('writes of one turn decide against each other: create, update at its revision, delete, create again', async () => {
  const { b } = open();
  const r1 = b.create('/k', 'v1');
  const dup = assert.rejects(b.create('/k', 'again'), KeyExistsError);
  const r2 = b.update('/k', 'v2', 1);
  const stale = assert.rejects(b.update('/k', 'v3', 1), (e: unknown) => e instanceof RevisionMismatchError && e.current?.modRevision === 2);
  const del = b.delete('/k', 2);
  const r4 = b.create('/k', 'v4');
  assert.deepEqual(await Promise.all([r1, r2, del.then((d) => d.revision), r4]), [1, 2, 3, 4]);
  await dup;
  await stale;
  assert.deepEqual(await b.get('/k'), { key: '/k', value: 'v4', createRevision: 4, modRevision: 4 });
  await b.close();
});

it('a read issued after a write that is not committed yet sees it', async () => {
  const { b } = open();
  const created = b.create('/a', 'x');
  assert.equal((await b.get('/a'))?.value, 'x');
  assert.equal((await b.list('/')).items.length, 1);
  assert.equal(await b.count('/'), 1);
  await created;
  await b.close();
});

it('watchers get the changes of a group in revision order, with their previous values', async () => {
  const { b } = open();
  const ac = new AbortController();
  const it = b.watch('/w/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]();
  void b.create('/w/1', 'a');
  void b.update('/w/1', 'b', 1);
  void b.create('/w/2', 'c');
  const got: WatchEvent[] = [];
  for (let i = 0; i < 3; i++) got.push((await it.next()).value as WatchEvent);
  assert.deepEqual(got.map((e) => [e.type, e.kv.key, e.kv.value, e.revision, e.prevKv?.value]), [
    ['create', '/w/1', 'a', 1, undefined], ['update', '/w/1', 'b', 2, 'a'], ['create', '/w/2', 'c', 3, undefined],
  ]);
  ac.abort();
  await b.close();
});

it('when another connection appended meanwhile, the group is planned again after it and committed', async () => {
  const { path, b } = open();
  await b.create('/x', '1');
  const other = new Database(path);
  const planned = b.update('/x', '2', 1);
  // revision 2 taken by someone else (a row for another key)
  other.prepare('INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (2, ?, 1, 0, 2, 0, ?)').run('/other', 'o');
  assert.equal(await planned, 3);
  assert.deepEqual(await b.get('/x'), { key: '/x', value: '2', createRevision: 1, modRevision: 3 });
  other.close();
  await b.close();
});

it('close commits what is planned before it closes', async () => {
  const { path, b } = open();
  const w = b.create('/late', 'v');
  await b.close();
  assert.equal(await w, 1);
  const again = SqliteBackend.open(path, { checkpointThread: false });
  assert.equal((await again.get('/late'))?.value, 'v');
  await again.close();
});
