import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatorFor, matches, podResources, PodEvaluator, usageOf } from './evaluators.js';
import { add, formatQty, fromJSON, lessThanOrEqual, prettyPrint, toJSON } from './resources.js';

const NOW = new Date('2024-01-01T00:00:00Z');
const pod = (containers: unknown[], extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}) =>
  ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers, ...extra }, status });
const ctr = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) => ({ name, image: 'x', resources: { requests, limits } });

describe('quota resources', () => {
  it('adds exactly, keeping the first non-zero format, and prints canonically', () => {
    const sum = add(fromJSON({ memory: '512Mi', cpu: '100m' }), fromJSON({ memory: '512Mi', cpu: '0.9' }));
    assert.deepEqual(toJSON(sum), { cpu: '1', memory: '1Gi' });
    assert.equal(prettyPrint(fromJSON({ memory: '1Gi', cpu: '500m' })), 'cpu=500m,memory=1Gi');
    assert.deepEqual(lessThanOrEqual(fromJSON({ cpu: '2', pods: '1' }), fromJSON({ cpu: '1' })).exceeded, ['cpu']);
    assert.equal(formatQty(fromJSON({ x: '0' }).get('x')!), '0');
  });
});

describe('pod evaluator', () => {
  const ev = new PodEvaluator();
  it('counts requests and limits under the quota names, init containers as a maximum', () => {
    const p = pod([ctr('a', { cpu: '100m', memory: '64Mi' }, { cpu: '200m' }), ctr('b', { cpu: '150m' })], {
      initContainers: [ctr('i', { cpu: '1' })], overhead: { cpu: '10m' },
    });
    assert.deepEqual(toJSON(podResources(p, 'requests')), { cpu: '1010m', memory: '64Mi' });
    const u = toJSON(ev.usage(p, NOW));
    assert.equal(u.pods, '1');
    assert.equal(u['count/pods'], '1');
    assert.equal(u['requests.cpu'], '1010m');
    assert.equal(u.cpu, '1010m');
    assert.equal(u['limits.cpu'], '210m');
  });
  it('stops counting a terminal pod except in count/pods', () => {
    assert.deepEqual(toJSON(ev.usage(pod([ctr('a', { cpu: '1' })], {}, { phase: 'Succeeded' }), NOW)), { 'count/pods': '1' });
  });
  it('asks every container for what a cpu/memory quota constrains', () => {
    const p = pod([ctr('a', { cpu: '1' }), ctr('b')]);
    assert.equal(ev.constraints(['requests.cpu', 'limits.memory', 'pods'], p), 'must specify limits.memory for: a,b; requests.cpu for: b');
    assert.equal(ev.constraints(['pods'], p), '');
  });
  it('matches scopes: Terminating, BestEffort, PriorityClass', () => {
    const q = (scopes: string[], hard = { pods: '1' }) => ({ spec: { scopes }, status: { hard } });
    const be = pod([ctr('a')]);
    const burst = pod([ctr('a', { cpu: '1' })], { activeDeadlineSeconds: 10 });
    assert.equal(matches(ev, q(['BestEffort']), be), true);
    assert.equal(matches(ev, q(['BestEffort']), burst), false);
    assert.equal(matches(ev, q(['Terminating']), burst), true);
    assert.equal(matches(ev, q(['NotTerminating']), burst), false);
    const pcq = { spec: { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }, status: { hard: { pods: '1' } } };
    assert.equal(matches(ev, pcq, pod([ctr('a')], { priorityClassName: 'high' })), true);
    assert.equal(matches(ev, pcq, pod([ctr('a')], { priorityClassName: 'low' })), false);
    assert.equal(matches(ev, q([], { configmaps: '1' } as never), be), false, 'a quota on other resources does not match');
  });
});

describe('other evaluators', () => {
  it('services count node ports and load balancers', () => {
    const u = toJSON(evaluatorFor({ group: '', resource: 'services' }).usage({ spec: { type: 'LoadBalancer', ports: [{ port: 1 }, { port: 2 }] } }, NOW));
    assert.deepEqual(u, { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '2' });
  });
  it('claims count storage in total and per class', () => {
    const u = toJSON(evaluatorFor({ group: '', resource: 'persistentvolumeclaims' }).usage({ spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } } }, NOW));
    assert.equal(u['gold.storageclass.storage.k8s.io/requests.storage'], '1Gi');
    assert.equal(u['gold.storageclass.storage.k8s.io/persistentvolumeclaims'], '1');
    assert.equal(u['requests.storage'], '1Gi');
  });
  it('any other resource is counted as count/<resource>.<group>, and only on create', () => {
    const ev = evaluatorFor({ group: 'apps', resource: 'replicasets' });
    assert.deepEqual(ev.matchingResources(['count/replicasets.apps', 'pods']), ['count/replicasets.apps']);
    assert.equal(ev.handles('UPDATE'), false);
    const cm = evaluatorFor({ group: '', resource: 'configmaps' });
    assert.deepEqual(toJSON(usageOf(cm, { spec: {} }, [{}, {}], ['configmaps', 'count/configmaps', 'pods'], NOW)), { configmaps: '2', 'count/configmaps': '2' });
  });
});
