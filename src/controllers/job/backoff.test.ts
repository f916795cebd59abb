import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackoffStore, getFinishedTime, getRemainingTimeForFailuresCount, MAX_JOB_POD_FAILURE_BACKOFF_MS } from './backoff.js';
import type { Pod } from './types.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
/** finished builds a pod whose only container finished s seconds after T0. */
const finished = (name: string, s: number, phase = 'Failed'): Pod => ({
  metadata: { name, uid: name, creationTimestamp: at(0) },
  status: { phase, containerStatuses: [{ name: 'main', state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: at(s) } } }] },
});

describe('pod failure back-off', () => {
  const table: { failures: number; sinceLast: number; want: number }[] = [
    { failures: 0, sinceLast: 0, want: 0 },
    { failures: 1, sinceLast: 0, want: 10_000 },
    { failures: 1, sinceLast: 4, want: 6_000 },
    { failures: 1, sinceLast: 10, want: 0 },
    { failures: 2, sinceLast: 5, want: 15_000 },
    { failures: 3, sinceLast: 0, want: 40_000 },
    { failures: 6, sinceLast: 0, want: 320_000 },
    { failures: 7, sinceLast: 0, want: MAX_JOB_POD_FAILURE_BACKOFF_MS },
    { failures: 50, sinceLast: 60, want: MAX_JOB_POD_FAILURE_BACKOFF_MS - 60_000 },
  ];
  for (const c of table) {
    it(`${c.failures} failures, last ${c.sinceLast}s ago → ${c.want} ms`, () => {
      assert.equal(getRemainingTimeForFailuresCount(T0 + c.sinceLast * 1000, 10_000, MAX_JOB_POD_FAILURE_BACKOFF_MS, c.failures, T0), c.want);
    });
  }

  it('newBackoffRecord: failures add up; a later success resets; failures after the last success still count', () => {
    const store = new BackoffStore();
    let r = store.newBackoffRecord('ns/j', [], [finished('a', 5), finished('b', 3)]);
    assert.deepEqual(r, { key: 'ns/j', failuresAfterLastSuccess: 2, lastFailureTime: T0 + 5000 });
    store.updateBackoffRecord(r);
    r = store.newBackoffRecord('ns/j', [], [finished('c', 9)]);
    assert.deepEqual(r, { key: 'ns/j', failuresAfterLastSuccess: 3, lastFailureTime: T0 + 9000 });
    store.updateBackoffRecord(r);
    r = store.newBackoffRecord('ns/j', [finished('ok', 20, 'Succeeded')], [finished('d', 15), finished('e', 25), finished('f', 30)]);
    assert.deepEqual(r, { key: 'ns/j', failuresAfterLastSuccess: 2, lastFailureTime: T0 + 30_000 });
    r = store.newBackoffRecord('ns/j', [finished('ok2', 40, 'Succeeded')], []);
    assert.deepEqual(r, { key: 'ns/j', failuresAfterLastSuccess: 0, lastFailureTime: undefined });
    store.removeBackoffRecord('ns/j');
    assert.equal(store.get('ns/j'), undefined);
  });

  it('getFinishedTime: containers, then Ready=False, then deletion minus grace, then creation', () => {
    assert.equal(getFinishedTime(finished('a', 7)), T0 + 7000);
    const running: Pod = { metadata: { creationTimestamp: at(1) }, status: { containerStatuses: [{ name: 'm', state: { running: {} } }], conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at(4) }] } };
    assert.equal(getFinishedTime(running), T0 + 4000);
    const deleted: Pod = { metadata: { creationTimestamp: at(1), deletionTimestamp: at(40), deletionGracePeriodSeconds: 30 }, status: {} };
    assert.equal(getFinishedTime(deleted), T0 + 10_000);
    assert.equal(getFinishedTime({ metadata: { creationTimestamp: at(2) } }), T0 + 2000);
  });
});
