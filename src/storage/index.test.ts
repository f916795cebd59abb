import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend, SqliteBackend, openBackend } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openBackend', () => {
  it('opens a memory store', async () => {
    const b = await openBackend({ type: 'memory' });
    assert.ok(b instanceof MemoryBackend);
    await b.close();
  });

  it('opens a sqlite store in a directory it creates, with a compactor that close() stops', async () => {
    const b = await openBackend({ type: 'sqlite', path: join(dir, 'data', 'state.db') });
    assert.ok(b instanceof SqliteBackend);
    const rev = await b.create('/x', 'y');
    assert.equal((await b.get('/x'))?.modRevision, rev);
    await b.close(); // the test runner would hang on the compactor's timer if this did not stop it
  });

  it('fails clearly when etcd is unreachable', async () => {
    await assert.rejects(openBackend({ type: 'etcd', endpoints: ['http://127.0.0.1:1'], compaction: false }), /cannot reach etcd/);
  });
});
