import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { addThreadMetrics, gatherText, legacyRegistry, processRegistry, TEXT_CONTENT_TYPE } from './legacy-registry.js';

test('prom-client renders what Kubernetes components serve: labels in the given order, le last, escaping', async () => {
  const r = new Registry();
  const c = new Counter({ name: 'x_total', help: 'Counts x.\nTwo lines', labelNames: ['code', 'verb'], registers: [r] });
  c.inc({ code: '200', verb: 'GET' });
  c.inc({ code: '200', verb: 'GET' }, 2);
  c.inc({ code: '409', verb: 'P"U\\T' });
  const h = new Histogram({ name: 'd_seconds', help: 'Durations.', labelNames: ['op'], buckets: [0.1, 1], registers: [r] });
  h.observe({ op: 'get' }, 0.05);
  h.observe({ op: 'get' }, 0.5);
  h.observe({ op: 'get' }, 5);
  new Histogram({ name: 'plain_seconds', help: 'No labels.', buckets: [1], registers: [r] }).observe(2);
  const lines = (await gatherText(r)).split('\n');
  assert.deepEqual(lines, [
    '# HELP x_total Counts x.\\nTwo lines',
    '# TYPE x_total counter',
    'x_total{code="200",verb="GET"} 3',
    'x_total{code="409",verb="P\\"U\\\\T"} 1',
    '# HELP d_seconds Durations.',
    '# TYPE d_seconds histogram',
    'd_seconds_bucket{op="get",le="0.1"} 1',
    'd_seconds_bucket{op="get",le="1"} 2',
    'd_seconds_bucket{op="get",le="+Inf"} 3',
    'd_seconds_sum{op="get"} 5.55',
    'd_seconds_count{op="get"} 3',
    '# HELP plain_seconds No labels.',
    '# TYPE plain_seconds histogram',
    'plain_seconds_bucket{le="1"} 0',
    'plain_seconds_bucket{le="+Inf"} 1',
    'plain_seconds_sum 2',
    'plain_seconds_count 1',
    '',
  ]);
  assert.match(TEXT_CONTENT_TYPE, /^text\/plain; version=0\.0\.4/);
});

test('gatherText appends registries; a collect hook runs at scrape time; the legacy registry is shared', async () => {
  const a = new Registry();
  const b = new Registry();
  let n = 0;
  new Gauge({ name: 'objects', help: 'objects', labelNames: ['resource'], registers: [a], collect() { this.set({ resource: 'pods' }, ++n); } });
  new Counter({ name: 'b_total', help: 'b', registers: [b] }).inc();
  const first = await gatherText(a, b);
  assert.match(first, /^objects\{resource="pods"\} 1$/m);
  assert.match(first, /^b_total 1$/m);
  assert.match(await gatherText(a), /^objects\{resource="pods"\} 2$/m);
  assert.equal(await gatherText(new Registry()), '', 'an empty registry adds nothing');
  assert.ok(legacyRegistry instanceof Registry);
});

test('processRegistry merges another thread\'s series into the legacy registry\'s, summing the same series, until removed', async () => {
  const own = new Counter({ name: 'merge_test_total', help: 'Merged.', labelNames: ['name'], registers: [legacyRegistry] });
  own.inc({ name: 'main' }, 2);
  own.inc({ name: 'both' }, 1);
  // The other thread's registry, as it would send it: getMetricsAsJSON of its own Counter and Histogram.
  const other = new Registry();
  const theirs = new Counter({ name: 'merge_test_total', help: 'Merged.', labelNames: ['name'], registers: [other] });
  theirs.inc({ name: 'worker' }, 5);
  theirs.inc({ name: 'both' }, 4);
  new Histogram({ name: 'merge_test_seconds', help: 'Only in the other thread.', buckets: [1], registers: [other] }).observe(0.5);
  const remove = addThreadMetrics(() => other.getMetricsAsJSON());
  try {
    const text = await gatherText(await processRegistry());
    assert.match(text, /^merge_test_total\{name="main"\} 2$/m);
    assert.match(text, /^merge_test_total\{name="worker"\} 5$/m);
    assert.match(text, /^merge_test_total\{name="both"\} 5$/m);
    assert.match(text, /^merge_test_seconds_bucket\{le="1"\} 1$/m);
    assert.equal(text.match(/^# HELP merge_test_total /gm)?.length, 1, 'one family, not one per thread');
  } finally {
    remove();
    legacyRegistry.removeSingleMetric('merge_test_total');
  }
  assert.equal(await processRegistry(), legacyRegistry, 'without other threads the legacy registry itself');
});

test('processRegistry leaves out a thread that cannot answer', async () => {
  const remove = addThreadMetrics(() => Promise.reject(new Error('thread gone')));
  try {
    assert.doesNotMatch(await gatherText(await processRegistry()), /thread gone/);
  } finally {
    remove();
  }
});
