import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { podConditions, podPhase, shouldRestart, statusPatch, type RestartPolicy } from './pod-status.js';
import { applyStrategicMergePatch } from '../apimachinery/patch/strategic.js';
import { patchSchemaFor } from '../apimachinery/patch/schema.js';

const running = (name: string, ready = true): ContainerStatus => ({ name, ready, restartCount: 0, image: 'i', imageID: '', state: { running: { startedAt: 'x' } } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'i', imageID: '', state: { terminated: { exitCode } } });
const waiting = (name: string, restarted = false): ContainerStatus => ({
  name, ready: false, restartCount: restarted ? 1 : 0, image: 'i', imageID: '', state: { waiting: { reason: restarted ? 'CrashLoopBackOff' : 'ContainerCreating' } },
  ...(restarted ? { lastState: { terminated: { exitCode: 1 } } } : {}),
});

describe('shouldRestart', () => {
  it('Always restarts, OnFailure only after a failure, Never never', () => {
    const cases: [RestartPolicy, number, boolean][] = [['Always', 0, true], ['Always', 1, true], ['OnFailure', 0, false], ['OnFailure', 2, true], ['Never', 0, false], ['Never', 137, false]];
    for (const [policy, code, want] of cases) assert.equal(shouldRestart(policy, code), want, `${policy} ${code}`);
  });
});

describe('podPhase (kubelet\'s getPhase)', () => {
  const cases: [string, RestartPolicy, ContainerStatus[], ContainerStatus[], boolean, string][] = [
    ['nothing started yet', 'Always', [], [waiting('a')], false, 'Pending'],
    ['an init container still running', 'Always', [running('i')], [waiting('a')], false, 'Pending'],
    ['init failed for good (restartPolicy Never)', 'Never', [exited('i', 1)], [waiting('a')], true, 'Failed'],
    ['one running, one waiting for its first start', 'Always', [], [running('a'), waiting('b')], false, 'Pending'],
    ['running, and one waiting to restart', 'Always', [exited('i', 0)], [running('a'), waiting('b', true)], false, 'Running'],
    ['all exited 0 under Always: will restart', 'Always', [], [exited('a', 0)], false, 'Running'],
    ['all exited 0 under OnFailure', 'OnFailure', [], [exited('a', 0), exited('b', 0)], false, 'Succeeded'],
    ['one failed under OnFailure: will restart', 'OnFailure', [], [exited('a', 0), exited('b', 1)], false, 'Running'],
    ['one failed under Never', 'Never', [], [exited('a', 0), exited('b', 1)], false, 'Failed'],
    ['all exited 0 under Never', 'Never', [], [exited('a', 0)], false, 'Succeeded'],
    ['crash looping under Always', 'Always', [], [waiting('a', true)], false, 'Running'],
  ];
  for (const [name, policy, init, app, initFailed, want] of cases) {
    it(name, () => assert.equal(podPhase(policy, init, app, initFailed), want));
  }
  it('podIsTerminal (a deleted pod whose containers were stopped): Succeeded when all exited 0, else Failed, whatever the policy', () => {
    assert.equal(podPhase('Always', [], [exited('a', 0), exited('b', 0)], false, true), 'Succeeded');
    assert.equal(podPhase('Always', [], [exited('a', 0), exited('b', 137)], false, true), 'Failed');
    assert.equal(podPhase('OnFailure', [], [exited('a', 143)], false, true), 'Failed');
    assert.equal(podPhase('Always', [], [waiting('a', true)], false, true), 'Failed', 'a crash-looping container stays down');
    assert.equal(podPhase('Always', [], [waiting('a')], false, true), 'Pending', 'never started');
  });
});

describe('podConditions', () => {
  const T0 = '2026-01-01T00:00:00Z';
  const T1 = '2026-01-01T00:01:00Z';
  const brief = (cs: PodCondition[]) => cs.map((c) => [c.type, c.status, c.reason, c.message].filter((x) => x !== undefined).join(' | '));

  it('a running pod with an unready container', () => {
    const cs = podConditions({ phase: 'Running', sandboxReady: true, init: [exited('i', 0)], app: [running('a'), running('b', false)], previous: [], now: T0 });
    assert.deepEqual(brief(cs), [
      'PodReadyToStartContainers | True', 'Initialized | True',
      'Ready | False | ContainersNotReady | containers with unready status: [b]',
      'ContainersReady | False | ContainersNotReady | containers with unready status: [b]',
    ]);
    assert.ok(cs.every((c) => c.lastTransitionTime === T0 && c.lastProbeTime === null));
  });

  it('readiness gates: Ready waits for each gate\'s condition to be True, in the kubelet\'s words; the gate conditions are kept', () => {
    const gates = ['k8s.io/test-condition1', 'k8s.io/test-condition2'];
    const at = (previous: PodCondition[]) => podConditions({ phase: 'Running', sandboxReady: true, init: [], app: [running('a')], previous, now: T0, readinessGates: gates });
    assert.deepEqual(brief(at([])).slice(2, 4), [
      'Ready | False | ReadinessGatesNotReady | corresponding condition of pod readiness gate "k8s.io/test-condition1" does not exist., corresponding condition of pod readiness gate "k8s.io/test-condition2" does not exist.',
      'ContainersReady | True',
    ]);
    const one = { type: 'k8s.io/test-condition1', status: 'True' } as PodCondition;
    const two = { type: 'k8s.io/test-condition2', status: 'False' } as PodCondition;
    assert.deepEqual(brief(at([one, two])).slice(2), [
      'Ready | False | ReadinessGatesNotReady | the status of pod readiness gate "k8s.io/test-condition2" is not "True", but False',
      'ContainersReady | True', 'k8s.io/test-condition1 | True', 'k8s.io/test-condition2 | False',
    ]);
    assert.equal(brief(at([one, { ...two, status: 'True' }]))[2], 'Ready | True');
    // containers not ready: their reason comes first, as the kubelet's
    const unready = podConditions({ phase: 'Running', sandboxReady: true, init: [], app: [running('a', false)], previous: [], now: T0, readinessGates: gates });
    assert.equal(brief(unready)[2], 'Ready | False | ContainersNotReady | containers with unready status: [a]');
  });

  it('init containers not done: every app container counts as unready', () => {
    const cs = podConditions({ phase: 'Pending', sandboxReady: true, init: [exited('i1', 0), running('i2')], app: [waiting('a'), waiting('b')], previous: [], now: T0 });
    assert.deepEqual(brief(cs), [
      'PodReadyToStartContainers | True',
      'Initialized | False | ContainersNotInitialized | containers with incomplete status: [i2]',
      'Ready | False | ContainersNotReady | containers with unready status: [a b]',
      'ContainersReady | False | ContainersNotReady | containers with unready status: [a b]',
    ]);
  });

  it('a completed pod: sandbox gone, Initialized by PodCompleted, not Ready because PodCompleted', () => {
    const cs = podConditions({ phase: 'Succeeded', sandboxReady: false, init: [], app: [exited('a', 0)], previous: [], now: T0 });
    assert.deepEqual(brief(cs), ['PodReadyToStartContainers | False', 'Initialized | True | PodCompleted', 'Ready | False | PodCompleted', 'ContainersReady | False | PodCompleted']);
  });

  it('transition times move only when a status flips; conditions the agent does not own are kept after its own', () => {
    const first = podConditions({ phase: 'Running', sandboxReady: true, init: [], app: [running('a', false)], previous: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: 'earlier' }], now: T0 });
    const second = podConditions({ phase: 'Running', sandboxReady: true, init: [], app: [running('a', true)], previous: first, now: T1 });
    const at = (cs: PodCondition[], t: string) => cs.find((c) => c.type === t)!;
    assert.deepEqual(second.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    assert.deepEqual([at(second, 'Ready').status, at(second, 'Ready').lastTransitionTime, at(second, 'Ready').reason], ['True', T1, undefined]);
    assert.equal(at(second, 'Initialized').lastTransitionTime, T0);
    assert.equal(at(second, 'PodScheduled').lastTransitionTime, 'earlier');
  });
});

describe('sidecars (restartable init containers)', () => {
  const SIDE = new Set(['side']);
  const started = (name: string, ready = true): ContainerStatus => ({ ...running(name, ready), started: true });
  const notStarted = (name: string): ContainerStatus => ({ ...running(name, false), started: false });
  const brief = (cs: PodCondition[]) => cs.map((c) => [c.type, c.status, c.message].filter((x) => x !== undefined).join(' | '));

  it('the pod is Pending until the sidecar has started, then Running beside the app containers', () => {
    assert.equal(podPhase('Always', [notStarted('side')], [waiting('a')], false, false, SIDE), 'Pending');
    assert.equal(podPhase('Always', [started('side')], [waiting('a')], false, false, SIDE), 'Pending');
    assert.equal(podPhase('Always', [started('side')], [running('a')], false, false, SIDE), 'Running');
    // a sidecar restarting after the app started does not make the pod Pending again
    assert.equal(podPhase('Always', [waiting('side', true)], [running('a')], false, false, SIDE), 'Running');
  });

  it('a Job\'s pod: Running while its sidecar runs, Succeeded once the sidecar was stopped (it is left out)', () => {
    assert.equal(podPhase('Never', [started('side')], [exited('a', 0)], false, false, SIDE), 'Running');
    assert.equal(podPhase('Never', [exited('side', 137)], [exited('a', 0)], false, false, SIDE), 'Succeeded');
  });

  it('Initialized once the sidecar started; Ready needs the sidecar ready too, named first', () => {
    const pending = podConditions({ phase: 'Pending', sandboxReady: true, init: [notStarted('side')], app: [waiting('a')], previous: [], now: 'T', sidecars: SIDE });
    assert.deepEqual(brief(pending).slice(1, 2), ['Initialized | False | containers with incomplete status: [side]']);
    const up = podConditions({ phase: 'Running', sandboxReady: true, init: [started('side', false)], app: [running('a', false)], previous: [], now: 'T', sidecars: SIDE });
    assert.deepEqual(brief(up).slice(1), ['Initialized | True', 'Ready | False | containers with unready status: [side a]', 'ContainersReady | False | containers with unready status: [side a]']);
    const ready = podConditions({ phase: 'Running', sandboxReady: true, init: [started('side')], app: [running('a')], previous: [], now: 'T', sidecars: SIDE });
    assert.deepEqual(brief(ready).slice(1), ['Initialized | True', 'Ready | True', 'ContainersReady | True']);
  });
});

describe('statusPatch', () => {
  it('sends the agent\'s conditions (a reason it no longer has removed) and their order; another client\'s newer gate condition survives', () => {
    const stored = { status: { phase: 'Running', conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: 'gate' },
      { type: 'example.com/gate', status: 'True' },
    ] } };
    const built = { phase: 'Running', conditions: [
      { type: 'Ready', status: 'True' }, { type: 'example.com/gate', status: 'False' }, { type: 'PodScheduled', status: 'True' },
    ] } as PodStatus;
    const merged = applyStrategicMergePatch(stored, { status: statusPatch(built) }, patchSchemaFor('', 'Pod')) as { status: { conditions: PodCondition[] } };
    assert.deepEqual(merged.status.conditions, [
      { type: 'Ready', status: 'True' }, { type: 'example.com/gate', status: 'True' }, { type: 'PodScheduled', status: 'True' },
    ]);
  });
});

