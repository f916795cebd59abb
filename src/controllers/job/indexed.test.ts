import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SyncJobCtx } from './context.js';
import { duplicatedIndexPodsForRemoval, firstPendingIndexes, getCompletionIndex, getNewIndexFailureCounts, podGenerateNameWithIndex } from './indexed.js';
import { parseIndexesFromString } from './intervals.js';
import { activePodsForRemoval } from './manage.js';
import type { Job, Pod } from './types.js';

const job = (o: Partial<Job['spec']> = {}): Job => ({ metadata: { name: 'j', namespace: 'ns' }, spec: { completionMode: 'Indexed', completions: 6, parallelism: 6, template: {}, ...o } });
const pod = (name: string, index?: number | string, o: { phase?: string; ready?: boolean; node?: string; deleting?: boolean; annotations?: Record<string, string> } = {}): Pod => ({
  metadata: {
    name, uid: name, namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z',
    annotations: { ...(index !== undefined ? { 'batch.kubernetes.io/job-completion-index': String(index) } : {}), ...o.annotations },
    ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
  },
  spec: o.node ? { nodeName: o.node } : {},
  status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] },
});
const ctx = (j: Job, pods: Pod[], succeeded = '', failed?: string): SyncJobCtx => ({
  job: j, pods, activePods: pods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running'),
  succeeded: 0, failed: 0, prevSucceededIndexes: [], succeededIndexes: parseIndexesFromString(succeeded, j.spec.completions ?? 0),
  failedIndexes: failed === undefined ? undefined : parseIndexesFromString(failed, j.spec.completions ?? 0),
  newBackoffRecord: { key: 'ns/j', failuresAfterLastSuccess: 0 }, expectedRmFinalizers: new Set(), uncounted: { succeeded: new Set(), failed: new Set() },
  podsWithDelayedDeletionPerIndex: new Map(), terminating: 0, ready: 0,
});

describe('indexed job helpers', () => {
  it('getCompletionIndex accepts only non-negative integers', () => {
    assert.deepEqual(['3', '0', '-1', 'x', undefined].map((v) => getCompletionIndex(v === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': v })), [3, 0, -1, -1, -1]);
  });

  it('firstPendingIndexes skips running, succeeded and failed indexes', () => {
    const c = ctx(job(), [pod('a', 1), pod('b', 4)], '0,2', '3');
    assert.deepEqual(firstPendingIndexes(c, 10, 6), [5]);
    const c2 = ctx(job({ completions: 10 }), [pod('a', 2)], '0');
    assert.deepEqual(firstPendingIndexes(c2, 3, 10), [1, 3, 4]);
    assert.deepEqual(firstPendingIndexes(c2, 0, 10), []);
  });

  it('firstPendingIndexes with podReplacementPolicy Failed also skips indexes whose pod is terminating', () => {
    const c = ctx(job({ podReplacementPolicy: 'Failed' }), [pod('a', 0, { deleting: true })]);
    assert.deepEqual(firstPendingIndexes(c, 2, 6), [1, 2]);
    const c2 = ctx(job(), [pod('a', 0, { deleting: true })]);
    assert.deepEqual(firstPendingIndexes(c2, 2, 6), [0, 1]);
  });

  it('podGenerateNameWithIndex keeps the index and cuts a long job name', () => {
    assert.equal(podGenerateNameWithIndex('idx', 3), 'idx-3-');
    const long = podGenerateNameWithIndex('x'.repeat(60), 12);
    assert.equal(long, `${'x'.repeat(54)}-12-`);
    assert.equal(long.length, 58);
  });

  it('duplicated, unknown and out-of-range indexes are removed first, keeping the most advanced pod of an index', () => {
    const pods = [pod('dup-pending', 1, { node: '' }), pod('dup-ready', 1, { node: 'n1', ready: true }), pod('none'), pod('far', 9), pod('ok', 2)];
    const { rm, left } = duplicatedIndexPodsForRemoval(pods, 6);
    assert.deepEqual(rm.map((p) => p.metadata!.name).sort(), ['dup-pending', 'far', 'none']);
    assert.deepEqual(left.map((p) => p.metadata!.name).sort(), ['dup-ready', 'ok']);
    assert.deepEqual(activePodsForRemoval(job(), pods, 4).length, 4);
  });

  it('activePodsForRemoval (NonIndexed) removes not-ready before ready pods', () => {
    const j = job({ completionMode: 'NonIndexed' });
    const pods = [pod('ready', undefined, { node: 'n', ready: true }), pod('unscheduled'), pod('scheduled', undefined, { node: 'n' })];
    assert.deepEqual(activePodsForRemoval(j, pods, 2).map((p) => p.metadata!.name), ['unscheduled', 'scheduled']);
  });

  it('a replacement carries the index failure count on (ignored failures separately)', () => {
    const j = job({ backoffLimitPerIndex: 3, podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [5] } }] } });
    const failed = (exitCode: number): Pod => ({ ...pod('f', 0, { phase: 'Failed', annotations: { 'batch.kubernetes.io/job-index-failure-count': '1' } }), status: { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode } } }] } });
    assert.deepEqual(getNewIndexFailureCounts(j, failed(1)), { failures: 2, ignored: 0 });
    assert.deepEqual(getNewIndexFailureCounts(j, failed(5)), { failures: 1, ignored: 1 });
    assert.deepEqual(getNewIndexFailureCounts(j, undefined), { failures: 0, ignored: 0 });
  });
});
