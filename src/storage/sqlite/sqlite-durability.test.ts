import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteBackend } from './sqlite-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-sqlite-dur-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteBackend on disk', () => {
  it('keeps data, revision and compaction across reopen', async () => {
    const path = join(dir, 'reopen', 'state.db');
    const b1 = SqliteBackend.open(path);
    const r1 = await b1.create('/a', '1');
    const r2 = await b1.update('/a', '2', r1);
    await b1.create('/b', 'x');
    const del = await b1.delete('/b');
    await b1.compact(r2);
    await b1.close();

    const b2 = SqliteBackend.open(path);
    assert.equal(await b2.currentRevision(), del.revision);
    assert.equal(await b2.compactedRevision(), r2);
    assert.deepEqual(await b2.get('/a'), { key: '/a', value: '2', createRevision: r1, modRevision: r2 });
    assert.equal(await b2.get('/b'), null);
    // Revisions continue after the last one, even though compaction could drop the newest rows.
    await b2.compact(del.revision);
    assert.equal(await b2.create('/c', 'y'), del.revision + 1);
    await b2.close();
    const b3 = SqliteBackend.open(path);
    assert.equal(await b3.create('/d', 'z'), del.revision + 2);
    await b3.close();
  });

  it('compaction physically removes superseded rows and tombstones only', async () => {
    const path = join(dir, 'compact', 'state.db');
    const b = SqliteBackend.open(path);
    let rev = await b.create('/k', '0');
    for (let i = 1; i <= 10; i++) rev = await b.update('/k', String(i), rev);
    await b.create('/gone', 'x');
    await b.delete('/gone');
    await b.create('/live', 'l');
    await b.compact(await b.currentRevision());
    const raw = new Database(path, { readonly: true });
    const rows = raw.prepare('SELECT name, deleted FROM kine ORDER BY id').all();
    raw.close();
    assert.deepEqual(rows, [{ name: '/k', deleted: 0 }, { name: '/live', deleted: 0 }]);
    await b.close();
  });

  it('every acknowledged write survives kill -9 of the writing process', async () => {
    const path = join(dir, 'crash', 'state.db');
    const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path, '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: string[] = [];
    let partial = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        acked.push(...lines);
        if (acked.length >= 300 && child.exitCode === null && !child.killed) {
          process.kill(child.pid!, 'SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => resolve());
    });
    assert.equal(await exited, 'SIGKILL', 'the writer was killed mid-run');
    assert.ok(acked.length >= 300);

    const b = SqliteBackend.open(path);
    const stored = new Set((await b.list('/crash/')).items.map((kv) => kv.key));
    const lost = acked.filter((k) => !stored.has(k));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged keys lost`);
    assert.ok(stored.size >= acked.length);
    await b.close();
  });
});
