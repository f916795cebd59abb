import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { gatherText, legacyRegistry } from '../util/metrics/legacy-registry.js';
import { WorkQueue } from './workqueue.js';

/** value reads one series of a metric (by name and labels) from the process registry. */
async function value(metric: string, name: string, suffix = ''): Promise<number | undefined> {
  const m = legacyRegistry.getSingleMetric(metric);
  assert.ok(m, `${metric} is registered`);
  const data = await m.get();
  const v = data.values.find((x) => x.labels.name === name && (suffix === '' || (x as { metricName?: string }).metricName === `${metric}${suffix}`));
  return v?.value;
}

describe('WorkQueue metrics', () => {
  it('counts adds, depth, retries; observes queue and work time on the injected clock', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock, { name: 'wq-test-a' });
    assert.equal(await value('workqueue_depth', 'wq-test-a'), 0, 'series exist at zero from the start');
    q.add('a');
    q.add('b');
    q.add('a'); // collapses: neither an add nor depth
    assert.equal(await value('workqueue_adds_total', 'wq-test-a'), 2);
    assert.equal(await value('workqueue_depth', 'wq-test-a'), 2);

    await clock.step(3000);
    const a = await q.get();
    assert.equal(a, 'a');
    assert.equal(await value('workqueue_depth', 'wq-test-a'), 1);
    assert.equal(await value('workqueue_queue_duration_seconds', 'wq-test-a', '_sum'), 3, 'a waited 3 s');

    await clock.step(2000);
    assert.equal(await value('workqueue_unfinished_work_seconds', 'wq-test-a'), 2);
    assert.equal(await value('workqueue_longest_running_processor_seconds', 'wq-test-a'), 2);
    const b = await q.get();
    await clock.step(1000);
    assert.equal(b, 'b');
    assert.equal(await value('workqueue_unfinished_work_seconds', 'wq-test-a'), 3 + 1, 'a for 3 s plus b for 1 s');
    assert.equal(await value('workqueue_longest_running_processor_seconds', 'wq-test-a'), 3);
    q.done('a');
    q.done('b');
    assert.equal(await value('workqueue_work_duration_seconds', 'wq-test-a', '_count'), 2);
    assert.equal(await value('workqueue_work_duration_seconds', 'wq-test-a', '_sum'), 3 + 1);
    assert.equal(await value('workqueue_unfinished_work_seconds', 'wq-test-a'), 0);

    q.addRateLimited('a');
    q.addAfter('b', 10);
    assert.equal(await value('workqueue_retries_total', 'wq-test-a'), 2);
    await clock.step(1000);
    assert.equal(await value('workqueue_adds_total', 'wq-test-a'), 4, 'the delayed adds count as adds when they land');
    assert.equal(await value('workqueue_depth', 'wq-test-a'), 2);
    q.shutDown();
  });

  it('a key re-added while processed counts one add and is handed out again after done', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock, { name: 'wq-test-b' });
    q.add('x');
    await q.get();
    q.add('x');
    q.add('x');
    assert.equal(await value('workqueue_adds_total', 'wq-test-b'), 2);
    assert.equal(await value('workqueue_depth', 'wq-test-b'), 1, 'dirty while processed counts in depth, as in client-go');
    await clock.step(500);
    q.done('x');
    assert.equal(await q.get(), 'x');
    assert.equal(await value('workqueue_depth', 'wq-test-b'), 0);
    assert.equal(await value('workqueue_queue_duration_seconds', 'wq-test-b', '_count'), 2);
    assert.equal(await value('workqueue_queue_duration_seconds', 'wq-test-b', '_sum'), 0.5, 'queue time runs from the re-add');
    q.shutDown();
  });

  it('a key handed straight to a waiting worker is counted and timed too', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock, { name: 'wq-test-c' });
    const p = q.get();
    q.add('z');
    assert.equal(await p, 'z');
    assert.equal(await value('workqueue_adds_total', 'wq-test-c'), 1);
    assert.equal(await value('workqueue_depth', 'wq-test-c'), 0);
    assert.equal(await value('workqueue_queue_duration_seconds', 'wq-test-c', '_count'), 1);
    q.shutDown();
  });

  it('an unnamed queue records nothing; the text exposition carries the named series', async () => {
    const before = await gatherText(legacyRegistry);
    const q = new WorkQueue<string>(new FakeClock());
    q.add('a');
    await q.get();
    q.done('a');
    const named = new WorkQueue<string>(new FakeClock(), { name: 'wq-test-d' });
    named.add('k');
    await named.get();
    const after = await gatherText(legacyRegistry);
    const series = (t: string) => t.split('\n').filter((l) => l.startsWith('workqueue_adds_total{')).sort();
    assert.deepEqual(series(after).filter((l) => !l.includes('wq-test-d')), series(before));
    assert.ok(after.includes('workqueue_adds_total{name="wq-test-d"} 1'), after);
    assert.match(after, /workqueue_queue_duration_seconds_bucket\{name="wq-test-d",le="1e-8"\} 1\n/, 'waited no time: in the smallest bucket, printed le last');
    named.shutDown();
  });

  it('keeps its rate limiter when given as the second argument or as an option', async () => {
    const clock = new FakeClock();
    const limiter = { when: () => 100, forget: () => {}, numRequeues: () => 7 };
    assert.equal(new WorkQueue<string>(clock, limiter).numRequeues('a'), 7);
    assert.equal(new WorkQueue<string>(clock, { name: 'wq-test-e', limiter }).numRequeues('a'), 7);
  });
});
