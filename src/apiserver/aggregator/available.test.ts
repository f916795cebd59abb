import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { FakeClock } from '../../util/clock.js';
import { eventually } from '../../testing/test-cluster.js';
import { apiServiceInfo, availableCondition } from './apiservice.js';
import { AvailableConditionController, checkServiceAndEndpoints, type Lister } from './available.js';
import type { CheckResult } from './discovery-check.js';

const apiService = (extra: object = {}): KubeObject => ({
  apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1alpha1.wardle.example.com', resourceVersion: '1' },
  spec: { group: 'wardle.example.com', version: 'v1alpha1', groupPriorityMinimum: 2000, versionPriority: 200, service: { namespace: 'ns', name: 'api', port: 443 } },
  ...extra,
});
const service = (ports: object[] = [{ name: 'https', port: 443 }], type = 'ClusterIP'): KubeObject => ({ metadata: { name: 'api', namespace: 'ns', resourceVersion: '2' }, spec: { type, ports } });
const endpoints = (subsets: object[]): KubeObject => ({ metadata: { name: 'api', namespace: 'ns', resourceVersion: '3' }, subsets });
const ready = endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443 }] }]);

describe('checkServiceAndEndpoints', () => {
  const info = apiServiceInfo(apiService());
  const cases: { name: string; svc?: KubeObject; eps?: KubeObject; want?: [string, string] }[] = [
    { name: 'no Service', want: ['ServiceNotFound', 'service/api in "ns" is not present'] },
    { name: 'port not exposed', svc: service([{ name: 'https', port: 8443 }]), want: ['ServicePortError', 'service/api in "ns" is not listening on port 443'] },
    { name: 'no Endpoints', svc: service(), want: ['EndpointsNotFound', 'cannot find endpoints for service/api in "ns"'] },
    { name: 'no ready address', svc: service(), eps: endpoints([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443 }] }]), want: ['MissingEndpoints', 'endpoints for service/api in "ns" have no addresses with port name "https"'] },
    { name: 'unnamed port', svc: service([{ port: 443 }]), eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443 }] }]), want: ['MissingEndpoints', 'endpoints for service/api in "ns" have no addresses with port name ""'] },
    { name: 'ready: the discovery check is next', svc: service(), eps: ready },
    { name: 'not ClusterIP: the discovery check is next', svc: service([], 'NodePort') },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = checkServiceAndEndpoints(info, c.svc, c.eps);
      assert.deepEqual(got && [got.reason, got.message], c.want);
      if (got) assert.equal(got.status, 'False');
    });
  }
});

/** MapLister is a Lister over a Map the test changes. */
class MapLister implements Lister {
  readonly items = new Map<string, KubeObject>();
  async get(key: string) { return this.items.get(key); }
  async list() { return [...this.items.values()]; }
}

function fixture(results: CheckResult[]) {
  const clock = new FakeClock();
  const [apiServices, services, eps] = [new MapLister(), new MapLister(), new MapLister()];
  const writes: KubeObject[] = [];
  const fetched: string[] = [];
  const bodies: (string | undefined)[] = [];
  let rv = 10;
  const ctl = new AvailableConditionController({
    apiServices, services, endpoints: eps, clock, resyncMs: 30_000,
    updateStatus: async (o) => {
      writes.push(o);
      apiServices.items.set(o.metadata!.name!, { ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } });
    },
    fetch: async (target, path) => { fetched.push(`${target.address.host}:${target.address.port}${path}`); return results.shift() ?? { ok: true, body: '{}' }; },
    onDiscovery: (_name, body) => bodies.push(body),
  });
  return { clock, apiServices, services, eps, writes, fetched, bodies, ctl };
}

describe('AvailableConditionController', () => {
  it('Passed after a good discovery check; nothing written while nothing changes; the transition time stays', async () => {
    const f = fixture([]);
    f.apiServices.items.set('v1alpha1.wardle.example.com', apiService());
    f.services.items.set('ns/api', service());
    f.eps.items.set('ns/api', ready);
    await f.ctl.sync('v1alpha1.wardle.example.com');
    assert.equal(f.fetched[0], '10.0.0.1:6443/apis/wardle.example.com/v1alpha1');
    assert.deepEqual(f.bodies, ['{}']);
    const c = availableCondition(f.writes[0])!;
    assert.deepEqual([c.status, c.reason, c.message, c.lastTransitionTime], ['True', 'Passed', 'all checks passed', '2026-01-01T00:00:00Z']);
    await f.clock.step(60_000);
    await f.ctl.sync('v1alpha1.wardle.example.com');
    assert.equal(f.writes.length, 1, 'an unchanged condition is not written again');
  });

  it('FailedDiscoveryCheck carries the last failure, is retried, and Local APIServices are left alone', async () => {
    const failure = { ok: false as const, message: 'failing or missing response from https://10.0.0.1:6443/apis/wardle.example.com/v1alpha1: bad status from https://10.0.0.1:6443/apis/wardle.example.com/v1alpha1: 503' };
    const f = fixture(Array.from({ length: 5 }, () => failure));
    f.apiServices.items.set('v1alpha1.wardle.example.com', apiService());
    f.apiServices.items.set('v1.apps', { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' } });
    f.services.items.set('ns/api', service());
    f.eps.items.set('ns/api', ready);
    await assert.rejects(f.ctl.sync('v1alpha1.wardle.example.com'), /bad status/);
    assert.equal(f.fetched.length, 5, 'five attempts');
    const c = availableCondition(f.writes[0])!;
    assert.deepEqual([c.status, c.reason, c.message], ['False', 'FailedDiscoveryCheck', failure.message]);
    await f.ctl.sync('v1.apps');
    assert.equal(f.writes.length, 1);
  });

  it('run: a change of the Endpoints is seen, and the resync checks again', async () => {
    const f = fixture([]);
    f.apiServices.items.set('v1alpha1.wardle.example.com', apiService());
    f.services.items.set('ns/api', service());
    const ac = new AbortController();
    const running = f.ctl.run(ac.signal, 1);
    try {
      await eventually(() => assert.equal(availableCondition(f.apiServices.items.get('v1alpha1.wardle.example.com')!)?.reason, 'EndpointsNotFound'));
      f.eps.items.set('ns/api', ready);
      await f.ctl.changed();
      await eventually(() => assert.equal(availableCondition(f.apiServices.items.get('v1alpha1.wardle.example.com')!)?.reason, 'Passed'));
      const checks = f.fetched.length;
      await f.clock.step(30_000);
      await eventually(() => assert.ok(f.fetched.length > checks, 'the resync ran the check again'));
      f.apiServices.items.delete('v1alpha1.wardle.example.com');
      await f.ctl.changed();
      assert.equal(f.bodies.at(-1), undefined, 'a deleted APIService\'s discovery is dropped');
    } finally {
      ac.abort();
      await running;
    }
  });
});
