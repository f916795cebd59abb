import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newStatus } from './status.js';
import { fitErrorMessage, newDiagnosis, PreFilterResult } from './types.js';

test('fitErrorMessage renders FitError.Error() as kube-scheduler does', () => {
  const cases = [
    {
      name: 'reasons counted and sorted as strings, then the PostFilter message',
      nodes: 3,
      statuses: { a: newStatus('UnschedulableAndUnresolvable', 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'), b: newStatus('Unschedulable', 'Insufficient cpu'), c: newStatus('Unschedulable', 'Insufficient cpu') },
      post: 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
      want: '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..',
    },
    {
      name: 'a node with several reasons counts each',
      nodes: 2,
      statuses: { a: newStatus('Unschedulable', 'Insufficient cpu', 'Insufficient memory'), b: newStatus('Unschedulable', 'Insufficient memory') },
      post: '',
      want: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
    },
    {
      name: 'sorting is by the whole string ("10 x" before "2 y")',
      nodes: 12,
      statuses: Object.fromEntries([...Array(12).keys()].map((i) => [`n${i}`, newStatus('Unschedulable', i < 10 ? 'x' : 'y')])),
      post: '',
      want: '0/12 nodes are available: 10 x, 2 y.',
    },
  ];
  for (const c of cases) {
    const d = newDiagnosis();
    for (const [n, s] of Object.entries(c.statuses)) d.nodeToStatus.set(n, s);
    d.postFilterMsg = c.post;
    assert.equal(fitErrorMessage(c.nodes, d), c.want, c.name);
  }
});

test('fitErrorMessage: nodes left out by PreFilter get the absent status; a PreFilter rejection is said once', () => {
  const d = newDiagnosis();
  d.nodeToStatus.set('host02', newStatus('Unschedulable', 'Insufficient cpu'));
  d.nodeToStatus.setAbsentNodesStatus(newStatus('UnschedulableAndUnresolvable', "node(s) didn't satisfy plugin(s) [NodeAffinity]"));
  assert.equal(fitErrorMessage(3, d), "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].");
  const p = newDiagnosis();
  p.preFilterMsg = 'pod has unbound immediate PersistentVolumeClaims';
  p.nodeToStatus.setAbsentNodesStatus(newStatus('UnschedulableAndUnresolvable', p.preFilterMsg));
  p.postFilterMsg = 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  assert.equal(fitErrorMessage(3, p), '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..');
});

test('PreFilterResult.merge intersects', () => {
  assert.equal(PreFilterResult.merge(undefined, undefined), undefined);
  const a = new PreFilterResult(new Set(['a', 'b']));
  assert.equal(PreFilterResult.merge(undefined, a), a);
  assert.deepEqual([...PreFilterResult.merge(a, new PreFilterResult(new Set(['b', 'c'])))!.nodeNames!], ['b']);
});
