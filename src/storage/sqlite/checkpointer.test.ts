import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';
import { SqliteBackend } from './sqlite-backend.js';
import { eventually } from '../../testing/test-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-sqlite-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** openWal opens a WAL database with automatic checkpoints off, as SqliteBackend's writer runs. */
function openWal(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return db;
}

describe('Checkpointer', () => {
  it('checkpoints the WAL on its worker every commitsPerCheckpoint commits', async () => {
    const path = join(dir, 'worker.db');
    const db = openWal(path);
    let here = 0;
    const c = new Checkpointer(path, () => { here++; }, { commitsPerCheckpoint: 10 });
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 9; i++) { insert.run('x'.repeat(1000)); c.committed(); }
    assert.equal(c.last, undefined, 'no checkpoint before commitsPerCheckpoint commits');
    insert.run('x'); c.committed();
    await eventually(() => {
      assert.ok(c.last, 'the worker answered');
      assert.ok(c.last.log > 0);
      // nothing was written meanwhile: everything is copied, so the next write restarts the WAL
      assert.equal(c.last.checkpointed, c.last.log);
    });
    assert.equal(here, 0, 'the writer did not checkpoint itself');
    await c.close();
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 10);
    db.close();
  });

  it('lets the writer checkpoint itself when the WAL outgrows maxFrames without being fully copied', async () => {
    const path = join(dir, 'grow.db');
    const db = openWal(path);
    let here = 0;
    const c = new Checkpointer(path, () => { here++; }, { commitsPerCheckpoint: 5, maxFrames: 3 });
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    insert.run('a');
    // A reader holding an old snapshot keeps the worker's checkpoint from copying the newer
    // frames, as frames appended while a checkpoint runs would.
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM t').get();
    for (let i = 0; i < 5; i++) { insert.run('y'.repeat(4000)); c.committed(); }
    await eventually(() => {
      assert.ok(c.last && c.last.checkpointed < c.last.log, 'the worker could not copy everything');
      assert.equal(here, 1, 'the writer checkpointed');
    });
    reader.exec('COMMIT');
    reader.close();
    await c.close();
    db.close();
  });

  it('stops its worker after idleMs without a checkpoint and starts another for the next one', async () => {
    const path = join(dir, 'idle.db');
    const db = openWal(path);
    const c = new Checkpointer(path, () => assert.fail('the writer need not checkpoint'), { commitsPerCheckpoint: 3, idleMs: 50 });
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const commit3 = () => { for (let i = 0; i < 3; i++) { insert.run('z'.repeat(500)); c.committed(); } };
    commit3();
    assert.ok(c.running, 'the first checkpoint starts a worker');
    await eventually(() => assert.ok(c.last && c.last.log > 0 && c.last.checkpointed === c.last.log));
    await eventually(() => assert.equal(c.running, false, 'idle, the worker stops'));
    const first = c.last;
    commit3();
    assert.ok(c.running, 'the next checkpoint starts a new worker');
    await eventually(() => assert.notEqual(c.last, first, 'the new worker checkpointed'));
    await c.close();
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 6);
    db.close();
  });

  it('close without any checkpoint starts no worker', async () => {
    const c = new Checkpointer(join(dir, 'none.db'), () => assert.fail('no checkpoint'));
    c.committed();
    await c.close();
    assert.equal(c.last, undefined);
  });
});

describe('SqliteBackend with the checkpoint thread', () => {
  it('keeps every write across a reopen after worker checkpoints', async () => {
    const path = join(dir, 'backend', 'state.db');
    const b1 = SqliteBackend.open(path);
    let rev = await b1.create('/k', '0');
    // more than one checkpoint's worth of commits
    for (let i = 1; i <= 450; i++) rev = await b1.update('/k', String(i), rev);
    await b1.close();
    const b2 = SqliteBackend.open(path);
    assert.equal(await b2.currentRevision(), rev);
    assert.equal((await b2.get('/k'))?.value, '450');
    await b2.close();
  });
});
