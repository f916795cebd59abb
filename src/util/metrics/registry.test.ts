import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry, exponentialBuckets } from './registry.js';

test('text exposition: HELP, TYPE, labels in declared order, escaping, cumulative histogram buckets', async () => {
  const r = new Registry();
  const c = r.register(new Counter({ name: 'x_total', help: 'Counts x.\nTwo lines', labelNames: ['verb', 'code'] }));
  c.inc({ code: '200', verb: 'GET' });
  c.inc({ code: '200', verb: 'GET' }, 2);
  c.inc({ verb: 'P"U\\T', code: '409' });
  const g = r.register(new Gauge({ name: 'g', help: 'A gauge.' }));
  g.inc();
  g.dec({}, 3);
  const h = r.register(new Histogram({ name: 'd_seconds', help: 'Durations.', labelNames: ['op'], buckets: [1, 0.1] }));
  h.observe({ op: 'get' }, 0.05);
  h.observe({ op: 'get' }, 0.5);
  h.observe({ op: 'get' }, 5);
  assert.equal(await r.metrics(), [
    '# HELP x_total Counts x.\\nTwo lines',
    '# TYPE x_total counter',
    'x_total{verb="GET",code="200"} 3',
    'x_total{verb="P\\"U\\\\T",code="409"} 1',
    '# HELP g A gauge.',
    '# TYPE g gauge',
    'g -2',
    '# HELP d_seconds Durations.',
    '# TYPE d_seconds histogram',
    'd_seconds_bucket{op="get",le="0.1"} 1',
    'd_seconds_bucket{op="get",le="1"} 2',
    'd_seconds_bucket{op="get",le="+Inf"} 3',
    'd_seconds_sum{op="get"} 5.55',
    'd_seconds_count{op="get"} 3',
    '',
  ].join('\n'));
  assert.equal(c.get({ verb: 'GET', code: '200' }), 3);
  assert.equal(h.count({ op: 'get' }), 3);
});

test('a counter never goes down; a name registers once; collect hooks run at scrape time', async () => {
  const r = new Registry();
  const c = r.register(new Counter({ name: 'a_total', help: 'a' }));
  assert.throws(() => c.inc({}, -1), /not possible to decrease a counter/);
  assert.throws(() => r.register(new Counter({ name: 'a_total', help: 'again' })), /already been registered/);
  let n = 0;
  const g = new Gauge({ name: 'objects', help: 'objects', labelNames: ['resource'] });
  r.register(g, () => { g.set({ resource: 'pods' }, ++n); });
  assert.match(await r.metrics(), /objects\{resource="pods"\} 1/);
  assert.match(await r.metrics(), /objects\{resource="pods"\} 2/);
});

test('exponentialBuckets is prometheus.ExponentialBuckets', () => {
  assert.deepEqual(exponentialBuckets(1, 2, 5), [1, 2, 4, 8, 16]);
});
