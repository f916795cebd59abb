import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cache } from '../../cache/cache.js';
import { Snapshot } from '../../cache/snapshot.js';
import { CycleState } from '../../framework/cycle-state.js';
import { FakeClock } from '../../../util/clock.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { calculatePriority, ImageLocality } from './image-locality.js';

const MB = 1024 * 1024;

test('ImageLocality scores by image size spread over the nodes that have it', () => {
  const cache = new Cache(new FakeClock());
  cache.addNode(makeNode().name('n1').images({ 'gcr.io/big:latest': 500 * MB, 'small:1': 100 * MB }).obj());
  cache.addNode(makeNode().name('n2').images({ 'gcr.io/big:latest': 500 * MB }).obj());
  cache.addNode(makeNode().name('n3').obj());
  const snap = new Snapshot();
  cache.updateSnapshot(snap);
  const pl = new ImageLocality({ snapshotSharedLister: () => snap });
  const pod = makePod().name('p').container('gcr.io/big').container('small:1').info();
  const got = ['n1', 'n2', 'n3'].map((n) => pl.score(new CycleState(), pod, snap.get(n)!));
  // big: 500 MB × 2/3 on n1 and n2; small: 100 MB × 1/3 on n1.
  const big = Math.trunc(500 * MB * (2 / 3));
  const small = Math.trunc(100 * MB * (1 / 3));
  assert.deepEqual(got, [calculatePriority(big + small, 2), calculatePriority(big, 2), 0]);
  assert.ok(got[0] > got[1] && got[1] > 0);
});

test('calculatePriority clamps between 23 MB and 1000 MB per container', () => {
  assert.equal(calculatePriority(0, 1), 0);
  assert.equal(calculatePriority(23 * MB, 1), 0);
  assert.equal(calculatePriority(2000 * MB, 1), 100);
  assert.equal(calculatePriority((23 + 977 / 2) * MB, 1), 50);
});

test('ImageLocality PreScore skips when no node has any of the pod\'s images (every score would be 0)', () => {
  const cache = new Cache(new FakeClock());
  cache.addNode(makeNode().name('n1').images({ 'nginx:1.27': 200 * MB }).obj());
  const snap = new Snapshot();
  cache.updateSnapshot(snap);
  const pl = new ImageLocality({ snapshotSharedLister: () => snap });
  assert.equal(pl.preScore(new CycleState(), makePod().name('p').container('busybox').info())?.code, 'Skip');
  assert.equal(pl.preScore(new CycleState(), makePod().name('p').container('nginx:1.27').info()), undefined);
});
