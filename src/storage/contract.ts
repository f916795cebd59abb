import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, WatchEvent } from './backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError } from './errors.js';

/** ContractOptions tunes runBackendContract for one driver. */
export interface ContractOptions {
  /** fail-safe for awaiting watch events, so a broken driver fails instead of hanging (default 10 s) */
  watchDeadlineMs?: number;
}

/**
 * runBackendContract is the one conformance suite every Backend driver must pass. `open` returns
 * a fresh, empty backend (its own file, or its own key prefix on a shared etcd); the suite closes
 * it. Revisions are only compared, never assumed to start at 1 (etcd's revision is cluster-wide).
 */
export function runBackendContract(name: string, open: () => Promise<Backend>, opts: ContractOptions = {}): void {
  const deadlineMs = opts.watchDeadlineMs ?? 10_000;
  const opened: Backend[] = [];
  const fresh = async (): Promise<Backend> => {
    const b = await open();
    opened.push(b);
    return b;
  };

  /** take reads n events (bounded by the deadline), then stops the watch. */
  async function take(b: Backend, prefix: string, afterRevision: number, n: number): Promise<WatchEvent[]> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), deadlineMs);
    const out: WatchEvent[] = [];
    try {
      for await (const ev of b.watch(prefix, { afterRevision, signal: ac.signal })) {
        out.push(ev);
        if (out.length >= n) break;
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    assert.equal(out.length, n, `expected ${n} watch events, got ${out.length}: ${JSON.stringify(out)}`);
    return out;
  }

  describe(`Backend contract: ${name}`, () => {
    after(async () => {
      for (const b of opened) await b.close().catch(() => {});
    });

    it('create stores a new key and rejects an existing one with KeyExistsError', async () => {
      const b = await fresh();
      const r1 = await b.create('/registry/pods/default/a', 'A');
      assert.equal(await b.currentRevision(), r1);
      assert.deepEqual(await b.get('/registry/pods/default/a'), {
        key: '/registry/pods/default/a', value: 'A', createRevision: r1, modRevision: r1,
      });
      await assert.rejects(b.create('/registry/pods/default/a', 'B'), (e: unknown) => {
        assert.ok(e instanceof KeyExistsError);
        assert.equal(e.key, '/registry/pods/default/a');
        return true;
      });
      assert.equal((await b.get('/registry/pods/default/a'))?.value, 'A');
      assert.equal(await b.get('/registry/pods/default/missing'), null);
    });

    it('update is a compare-and-swap on modRevision', async () => {
      const b = await fresh();
      const r1 = await b.create('/k', 'v1');
      const r2 = await b.update('/k', 'v2', r1);
      assert.ok(r2 > r1);
      assert.deepEqual(await b.get('/k'), { key: '/k', value: 'v2', createRevision: r1, modRevision: r2 });
      await assert.rejects(b.update('/k', 'stale', r1), (e: unknown) => {
        assert.ok(e instanceof RevisionMismatchError);
        assert.deepEqual(e.current, { key: '/k', value: 'v2', createRevision: r1, modRevision: r2 });
        return true;
      });
      await assert.rejects(b.update('/nope', 'x', r1), KeyNotFoundError);
      assert.equal((await b.get('/k'))?.value, 'v2');
    });

    it('delete removes a key, with or without an expected revision', async () => {
      const b = await fresh();
      const r1 = await b.create('/d/a', 'A');
      const del = await b.delete('/d/a');
      assert.ok(del.revision > r1);
      assert.deepEqual(del.kv, { key: '/d/a', value: 'A', createRevision: r1, modRevision: del.revision });
      assert.equal(await b.get('/d/a'), null);
      await assert.rejects(b.delete('/d/a'), KeyNotFoundError);
      await assert.rejects(b.update('/d/a', 'x', del.revision), KeyNotFoundError);

      const r2 = await b.create('/d/b', 'B');
      await assert.rejects(b.delete('/d/b', r2 - 1), (e: unknown) => {
        assert.ok(e instanceof RevisionMismatchError);
        assert.equal(e.current.modRevision, r2);
        return true;
      });
      assert.equal((await b.get('/d/b'))?.value, 'B');
      const del2 = await b.delete('/d/b', r2);
      assert.equal(del2.kv.value, 'B');
      assert.equal(await b.get('/d/b'), null);

      // A key created again after a delete starts a new life: new createRevision.
      const r3 = await b.create('/d/a', 'A2');
      assert.deepEqual(await b.get('/d/a'), { key: '/d/a', value: 'A2', createRevision: r3, modRevision: r3 });
    });

    it('get reads a key as of an older revision', async () => {
      const b = await fresh();
      const r1 = await b.create('/g/k', 'v1');
      const r2 = await b.update('/g/k', 'v2', r1);
      const del = await b.delete('/g/k');
      assert.equal(await b.get('/g/k', r1 - 1), null);
      assert.equal((await b.get('/g/k', r1))?.value, 'v1');
      assert.deepEqual(await b.get('/g/k', r2), { key: '/g/k', value: 'v2', createRevision: r1, modRevision: r2 });
      assert.equal(await b.get('/g/k', del.revision), null);
    });

    it('list returns the keys under a prefix, ordered by key', async () => {
      const b = await fresh();
      for (const k of ['/p/c', '/q/a', '/p/a/x', '/p', '/p/b', '/p/a', '/px']) await b.create(k, `v${k}`);
      await b.delete('/p/b');
      const res = await b.list('/p/');
      assert.deepEqual(res.items.map((kv) => kv.key), ['/p/a', '/p/a/x', '/p/c']);
      assert.deepEqual(res.items.map((kv) => kv.value), ['v/p/a', 'v/p/a/x', 'v/p/c']);
      assert.equal(res.remaining, 0);
      assert.equal(res.revision, await b.currentRevision());
      for (const kv of res.items) assert.ok(kv.createRevision > 0 && kv.modRevision >= kv.createRevision);
      assert.deepEqual((await b.list('/nothing/')).items, []);
    });

    it('list reads an older revision', async () => {
      const b = await fresh();
      const ra = await b.create('/o/a', 'a1');
      const rb = await b.create('/o/b', 'b1');
      await b.delete('/o/a');
      await b.update('/o/b', 'b2', rb);
      await b.create('/o/c', 'c1');
      const old = await b.list('/o/', { revision: rb });
      assert.equal(old.revision, rb);
      assert.deepEqual(old.items, [
        { key: '/o/a', value: 'a1', createRevision: ra, modRevision: ra },
        { key: '/o/b', value: 'b1', createRevision: rb, modRevision: rb },
      ]);
      assert.deepEqual((await b.list('/o/')).items.map((kv) => `${kv.key}=${kv.value}`), ['/o/b=b2', '/o/c=c1']);
    });

    it('list pages with limit and startAfter, reporting remaining', async () => {
      const b = await fresh();
      for (const k of ['e', 'b', 'd', 'a', 'c']) await b.create(`/pg/${k}`, k);
      await b.create('/pgz', 'outside');
      const p1 = await b.list('/pg/', { limit: 2 });
      assert.deepEqual(p1.items.map((kv) => kv.key), ['/pg/a', '/pg/b']);
      assert.equal(p1.remaining, 3);
      // Writes between pages must not show up when paging at the first page's revision.
      await b.create('/pg/bb', 'new');
      await b.delete('/pg/e');
      const p2 = await b.list('/pg/', { limit: 2, startAfter: '/pg/b', revision: p1.revision });
      assert.deepEqual(p2.items.map((kv) => kv.key), ['/pg/c', '/pg/d']);
      assert.equal(p2.remaining, 1);
      assert.equal(p2.revision, p1.revision);
      const p3 = await b.list('/pg/', { limit: 2, startAfter: '/pg/d', revision: p1.revision });
      assert.deepEqual(p3.items.map((kv) => kv.key), ['/pg/e']);
      assert.equal(p3.remaining, 0);
      const now = await b.list('/pg/', { startAfter: '/pg/b' });
      assert.deepEqual(now.items.map((kv) => kv.key), ['/pg/bb', '/pg/c', '/pg/d']);
      const exact = await b.list('/pg/', { limit: 4 });
      assert.equal(exact.items.length, 4);
      assert.equal(exact.remaining, 1);
    });

    it('list returns more than 4 MiB at once (large values)', async () => {
      const b = await fresh();
      const big = 'v'.repeat(900 * 1024);
      for (let i = 0; i < 6; i++) await b.create(`/big/${i}`, `${i}${big}`);
      const res = await b.list('/big/');
      assert.equal(res.items.length, 6);
      assert.equal(res.items[5].value.length, big.length + 1);
      assert.ok(res.items[5].value.startsWith('5v'));
    });

    it('count counts the live keys under a prefix', async () => {
      const b = await fresh();
      for (const k of ['/c/a', '/c/b', '/c/c', '/cc/a', '/d/a']) await b.create(k, 'x');
      await b.delete('/c/b');
      assert.equal(await b.count('/c/'), 2);
      assert.equal(await b.count('/d/'), 1);
      assert.equal(await b.count('/none/'), 0);
    });

    it('watch replays history after afterRevision, then streams live changes in order', async () => {
      const b = await fresh();
      const r0 = await b.create('/w/before', 'x');
      const r1 = await b.create('/w/a', 'a1');
      const r2 = await b.update('/w/a', 'a2', r1);
      const del = await b.delete('/w/a', r2);
      const events = take(b, '/w/', r0, 5);
      // Written after the watch began: these arrive live (or, on a slow start, from history).
      const r4 = await b.create('/w/b', 'b1');
      const r5 = await b.update('/w/b', 'b2', r4);
      const got = await events;
      assert.deepEqual(got.map((e) => [e.type, e.kv.key, e.revision]), [
        ['create', '/w/a', r1], ['update', '/w/a', r2], ['delete', '/w/a', del.revision],
        ['create', '/w/b', r4], ['update', '/w/b', r5],
      ]);
      assert.deepEqual(got[0].kv, { key: '/w/a', value: 'a1', createRevision: r1, modRevision: r1 });
      assert.equal(got[0].prevKv, undefined);
      assert.deepEqual(got[1].kv, { key: '/w/a', value: 'a2', createRevision: r1, modRevision: r2 });
      assert.deepEqual(got[1].prevKv, { key: '/w/a', value: 'a1', createRevision: r1, modRevision: r1 });
      assert.deepEqual(got[2].kv, { key: '/w/a', value: 'a2', createRevision: r1, modRevision: del.revision });
      assert.deepEqual(got[2].prevKv, { key: '/w/a', value: 'a2', createRevision: r1, modRevision: r2 });
      assert.deepEqual(got[4].prevKv, { key: '/w/b', value: 'b1', createRevision: r4, modRevision: r4 });
      for (let i = 1; i < got.length; i++) assert.ok(got[i].revision > got[i - 1].revision);
    });

    it('watch from the current revision sees only later changes, and stops on abort', async () => {
      const b = await fresh();
      await b.create('/n/old', 'x');
      const now = await b.currentRevision();
      const ac = new AbortController();
      const seen: WatchEvent[] = [];
      const done = (async () => {
        for await (const ev of b.watch('/n/', { afterRevision: now, signal: ac.signal })) {
          seen.push(ev);
          if (seen.length === 1) ac.abort();
        }
      })();
      const r = await b.create('/n/new', 'y');
      const timer = setTimeout(() => ac.abort(), deadlineMs);
      await done;
      clearTimeout(timer);
      assert.deepEqual(seen.map((e) => [e.type, e.kv.key, e.revision]), [['create', '/n/new', r]]);
    });

    it('watch on a prefix sees only keys under it', async () => {
      const b = await fresh();
      const start = await b.currentRevision();
      await b.create('/iso/b/x', '1');
      await b.create('/iso/ab', '2');
      const r = await b.create('/iso/a/y', '3');
      await b.create('/iso/b/z', '4');
      const r2 = await b.create('/iso/a/z', '5');
      const got = await take(b, '/iso/a/', start, 2);
      assert.deepEqual(got.map((e) => [e.kv.key, e.revision]), [['/iso/a/y', r], ['/iso/a/z', r2]]);
    });

    it('compaction forgets old revisions but keeps every live key', async () => {
      const b = await fresh();
      const rKeep = await b.create('/cp/keep', 'forever');
      const r1 = await b.create('/cp/k', 'v1');
      const r2 = await b.update('/cp/k', 'v2', r1);
      const r3 = await b.update('/cp/k', 'v3', r2);
      const rGone = await b.create('/cp/gone', 'x');
      await b.delete('/cp/gone');
      const r4 = await b.create('/cp/later', 'l');
      await b.compact(r3 + 2);
      const compacted = await b.compactedRevision();
      assert.equal(compacted, r3 + 2);
      assert.ok(compacted <= (await b.currentRevision()));

      await assert.rejects(b.get('/cp/k', r1), (e: unknown) => {
        assert.ok(e instanceof CompactedError);
        assert.equal(e.requested, r1);
        return true;
      });
      await assert.rejects(b.list('/cp/', { revision: r2 }), CompactedError);
      await assert.rejects(take(b, '/cp/', r1, 1), CompactedError);
      await assert.rejects(b.get('/cp/gone', rGone), CompactedError);

      assert.deepEqual(await b.get('/cp/keep'), { key: '/cp/keep', value: 'forever', createRevision: rKeep, modRevision: rKeep });
      assert.deepEqual(await b.get('/cp/k'), { key: '/cp/k', value: 'v3', createRevision: r1, modRevision: r3 });
      assert.equal((await b.get('/cp/k', compacted))?.value, 'v3');
      assert.equal(await b.get('/cp/gone'), null);
      assert.deepEqual((await b.list('/cp/')).items.map((kv) => kv.key), ['/cp/k', '/cp/keep', '/cp/later']);
      assert.deepEqual((await b.list('/cp/', { revision: compacted })).items.map((kv) => kv.key), ['/cp/k', '/cp/keep']);
      assert.equal(await b.count('/cp/'), 3);

      // A watch from the compacted revision itself still works.
      const got = await take(b, '/cp/', compacted, 1);
      assert.deepEqual(got.map((e) => [e.type, e.kv.key, e.revision]), [['create', '/cp/later', r4]]);

      // Compacting everything still keeps the latest value of each live key, and writes go on.
      const head = await b.currentRevision();
      await b.compact(head);
      assert.equal(await b.compactedRevision(), head);
      await b.compact(r1); // compacting to an older revision is a no-op
      assert.equal(await b.compactedRevision(), head);
      assert.equal((await b.get('/cp/keep'))?.value, 'forever');
      assert.equal((await b.get('/cp/k'))?.modRevision, r3);
      const r5 = await b.update('/cp/k', 'v4', r3);
      assert.ok(r5 > r4);
      assert.equal(await b.count('/cp/'), 3);
    });

    it('revisions strictly increase across every kind of write', async () => {
      const b = await fresh();
      const revs: number[] = [];
      revs.push(await b.create('/r/a', '1'));
      revs.push(await b.create('/r/b', '1'));
      revs.push(await b.update('/r/a', '2', revs[0]));
      revs.push((await b.delete('/r/b')).revision);
      revs.push(await b.create('/r/b', '2'));
      for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], `revisions ${revs.join(',')}`);
      assert.equal(await b.currentRevision(), revs[revs.length - 1]);
    });

    it('concurrent writers never lose an update', async () => {
      const b = await fresh();
      await b.create('/counter', '0');
      // Two writers that read the same revision: the second one's write is stale and must be refused.
      const seen = (await b.get('/counter'))!;
      await b.update('/counter', '0', seen.modRevision);
      await assert.rejects(b.update('/counter', 'stale', seen.modRevision), RevisionMismatchError);
      assert.equal((await b.get('/counter'))?.value, '0');

      const workers = 8;
      const each = 5;
      const written: number[] = [];
      const increment = async () => {
        for (;;) {
          const kv = (await b.get('/counter'))!;
          const next = Number(kv.value) + 1;
          try {
            await b.update('/counter', String(next), kv.modRevision);
            written.push(next);
            return;
          } catch (e) {
            if (!(e instanceof RevisionMismatchError)) throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: workers }, async () => { for (let i = 0; i < each; i++) await increment(); }));
      assert.equal((await b.get('/counter'))?.value, String(workers * each));
      // every accepted write moved the counter on by one from what its writer read: no value twice
      assert.deepEqual(written.sort((x, y) => x - y), Array.from({ length: workers * each }, (_, i) => i + 1));

      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => b.create('/once', `w${i}`)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof KeyExistsError);
    });

    it('close ends open watches', async () => {
      const b = await open();
      const start = await b.currentRevision();
      const iter = b.watch('/', { afterRevision: start })[Symbol.asyncIterator]();
      const first = iter.next();
      await new Promise((r) => setTimeout(r, 50));
      await b.close();
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        first.then((r) => (r.done ? 'done' : 'event'), () => 'error'),
        new Promise((r) => { timer = setTimeout(() => r('hung'), deadlineMs); }),
      ]);
      clearTimeout(timer);
      assert.ok(res === 'done' || res === 'error', `watch after close: ${res}`);
    });
  });
}
