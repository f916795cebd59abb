import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelSelectorFromSpec } from '../../../apimachinery/labels.js';
import { NodeInfo } from '../../framework/node-info.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { countNodePodsMatchSelector, countPodsMatchSelector } from './common.js';

const web = labelSelectorFromSpec({ matchLabels: { app: 'web' } });
const db = labelSelectorFromSpec({ matchLabels: { app: 'db' } });

test('countNodePodsMatchSelector counts as countPodsMatchSelector and sees every change of the node', () => {
  const ni = new NodeInfo(
    makePod().name('a').label('app', 'web').node('n1').info(),
    makePod().name('b').label('app', 'db').node('n1').info(),
  );
  ni.setNode(makeNode().name('n1').obj());
  assert.equal(countNodePodsMatchSelector(ni, web, 'default'), 1);
  assert.equal(countNodePodsMatchSelector(ni, db, 'default'), 1);
  assert.equal(countNodePodsMatchSelector(ni, web, 'other'), 0, 'another namespace is another count');
  // A second selector object with the same requirements shares the remembered count.
  assert.equal(countNodePodsMatchSelector(ni, labelSelectorFromSpec({ matchLabels: { app: 'web' } }), 'default'), 1);

  ni.addPodInfo(makePod().name('c').label('app', 'web').node('n1').info());
  assert.equal(countNodePodsMatchSelector(ni, web, 'default'), 2, 'an added pod is counted');
  const removed = ni.pods.find((p) => p.pod.metadata?.name === 'a')!;
  assert.ok(ni.removePod(removed.pod));
  assert.equal(countNodePodsMatchSelector(ni, web, 'default'), 1, 'a removed pod is not');
  assert.equal(countNodePodsMatchSelector(ni, web, 'default'), countPodsMatchSelector(ni.pods, web, 'default'));

  // A snapshot copy has its own entry and the same counts.
  const copy = ni.snapshot();
  assert.equal(countNodePodsMatchSelector(copy, db, 'default'), 1);
  copy.addPodInfo(makePod().name('d').label('app', 'db').node('n1').info());
  assert.equal(countNodePodsMatchSelector(copy, db, 'default'), 2);
  assert.equal(countNodePodsMatchSelector(ni, db, 'default'), 1, 'the original is unchanged');
});

test('countNodePodsMatchSelector: a nothing selector counts 0; a pod that starts terminating stops counting', () => {
  const ni = new NodeInfo(makePod().name('a').label('app', 'web').node('n1').info());
  assert.equal(countNodePodsMatchSelector(ni, { requirements: [], nothing: true }, 'default'), 0);
  assert.equal(countNodePodsMatchSelector(ni, { requirements: [] }, 'default'), 1, 'everything selects the pod');
  assert.equal(countNodePodsMatchSelector(ni, web, 'default'), 1);
  // The cache applies a pod update as remove + add.
  const terminating = makePod().name('a').label('app', 'web').node('n1').terminating();
  assert.ok(ni.removePod(terminating.obj()));
  ni.addPodInfo(terminating.info());
  assert.equal(countNodePodsMatchSelector(ni, web, 'default'), 0);
});
