import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import type { Pod, PodFailurePolicy } from './types.js';

const pod = (o: { exit?: Record<string, number>; init?: Record<string, number>; conditions?: [string, string][] }): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  status: {
    phase: 'Failed',
    containerStatuses: Object.entries(o.exit ?? {}).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } })),
    initContainerStatuses: Object.entries(o.init ?? {}).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } })),
    conditions: (o.conditions ?? []).map(([type, status]) => ({ type, status })),
  },
});

const policy: PodFailurePolicy = {
  rules: [
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailIndex', onExitCodes: { operator: 'In', values: [7] } },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
  ],
};

describe('matchPodFailurePolicy', () => {
  const cases: { name: string; pod: Pod; want: ReturnType<typeof matchPodFailurePolicy> }[] = [
    { name: 'FailJob on the named container', pod: pod({ exit: { main: 42 } }), want: { countFailed: true, action: 'FailJob', failJobMessage: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0' } },
    { name: 'the container name must match', pod: pod({ exit: { side: 42 } }), want: { countFailed: true, action: 'Count' } },
    { name: 'DisruptionTarget is ignored', pod: pod({ exit: { main: 1 }, conditions: [['DisruptionTarget', 'True']] }), want: { countFailed: false, action: 'Ignore' } },
    { name: 'a condition with another status does not match', pod: pod({ exit: { main: 1 }, conditions: [['DisruptionTarget', 'False']] }), want: { countFailed: true } },
    { name: 'FailIndex', pod: pod({ exit: { main: 7 } }), want: { countFailed: true, action: 'FailIndex' } },
    { name: 'init containers are matched too', pod: pod({ init: { setup: 7 } }), want: { countFailed: true, action: 'FailIndex' } },
    { name: 'NotIn', pod: pod({ exit: { main: 9 } }), want: { countFailed: true, action: 'Count' } },
    { name: 'no rule matches: counted', pod: pod({ exit: { main: 2 } }), want: { countFailed: true } },
    { name: 'exit code 0 never matches', pod: pod({ exit: { main: 0 } }), want: { countFailed: true } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(matchPodFailurePolicy(policy, c.pod), c.want));

  it('without a policy every failure counts', () => assert.deepEqual(matchPodFailurePolicy(undefined, pod({ exit: { main: 42 } })), { countFailed: true }));

  it('a FailJob rule on a pod condition names the condition', () => {
    const p: PodFailurePolicy = { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget' }] }] };
    assert.equal(matchPodFailurePolicy(p, pod({ conditions: [['DisruptionTarget', 'True']] })).failJobMessage, 'Pod ns/p has condition DisruptionTarget matching FailJob rule at index 0');
  });
});
