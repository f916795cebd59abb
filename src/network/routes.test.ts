import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { startTestCluster, eventually } from '../testing/test-cluster.js';
import { Resources } from '../client/types.js';
import type { KubeObject } from '../api/resource.js';
import { realClock } from '../util/clock.js';
import { desiredRoutes, localAddressMatcher, RouteController, type RouteHost } from './routes.js';
import { routeChainNameFor } from './pod-network-config.js';

const node = (name: string, podCIDR?: string, ip?: string): Node => ({
  metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: { addresses: ip ? [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] : [] },
});

test('desiredRoutes: every other node with a podCIDR and a remote InternalIP, nothing for local or incomplete nodes', () => {
  const isLocal = localAddressMatcher(['127.0.0.0/8', '192.168.77.1']);
  const routes = desiredRoutes([
    node('a', '10.244.0.0/24', '192.168.77.1'), // self
    node('b', '10.244.1.0/24', '192.168.77.2'),
    node('c', '10.244.2.0/24', '127.0.1.3'), // on this machine (loopback range)
    node('d', '10.244.3.0/24', '192.168.77.1'), // another agent on this machine
    node('e', undefined, '192.168.77.5'), // no podCIDR yet
    node('f', '10.244.5.0/24'), // no address yet
    node('h', '10.244.1.7/24', '192.168.77.9'), // the range of b, claimed twice: b wins (first by name)
  ], 'a', isLocal);
  assert.deepEqual(routes, [{ node: 'b', podCIDR: '10.244.1.0/24', via: '192.168.77.2' }]);
});

test('localAddressMatcher reads addresses and ranges of the local table', () => {
  const m = localAddressMatcher(['127.0.0.0/8', '10.0.0.4', 'fe80::1', 'bogus']);
  assert.equal(m('127.0.1.7'), true);
  assert.equal(m('10.0.0.4'), true);
  assert.equal(m('10.0.0.5'), false);
});

test('routeChainNameFor fits iptables\' 28-character chain names', () => {
  assert.equal(routeChainNameFor('tsk-host01-8fe4'), 'TSKUBE-RT-host01-8fe4');
  assert.ok(routeChainNameFor('tsk-abcdef-1234').length <= 28);
});

/** FakeHost records what the controller does to the machine. */
class FakeHost implements RouteHost {
  routes = new Map<string, string>();
  forwarding = new Map<string, string[]>();
  log: string[] = [];
  async unavailable(): Promise<string | undefined> { return undefined; }
  async localDestinations() { return ['127.0.0.0/8', '192.168.77.1']; }
  async replaceRoute(cidr: string, via: string) { this.routes.set(cidr, via); this.log.push(`replace ${cidr} via ${via}`); }
  async deleteRoute(cidr: string, via: string) { if (this.routes.get(cidr) === via) this.routes.delete(cidr); this.log.push(`delete ${cidr} via ${via}`); }
  async syncForwarding(chain: string, cidrs: string[]) { this.forwarding.set(chain, cidrs); }
  async removeForwarding(chain: string) { this.forwarding.delete(chain); }
}

test('the controller follows Nodes: routes appear, move with a node\'s address, go with the node, and all go when it stops', async () => {
  const tc = await startTestCluster();
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  const stateFile = join(dir, 'routes.json');
  // A previous agent on this root dir left a route to a node that no longer exists.
  writeFileSync(stateFile, JSON.stringify([{ node: 'gone', podCIDR: '10.244.9.0/24', via: '192.168.77.9' }]));
  const host = new FakeHost();
  host.routes.set('10.244.9.0/24', '192.168.77.9');
  const chain = routeChainNameFor('tsk-a-0000');
  host.forwarding.set(chain, ['10.244.9.0/24']);
  const rc = new RouteController({ informers: tc.informers, clock: realClock, nodeName: 'a', chain, stateFile, host });
  const ac = new AbortController();
  const done = rc.run(ac.signal);
  const put = async (n: Node) => {
    const name = n.metadata!.name!;
    const cur = await tc.client.get<Node & KubeObject>(Resources.nodes, undefined, name).catch(() => undefined);
    const saved = cur ?? await tc.client.create<Node & KubeObject>(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: n.spec } as Node & KubeObject);
    const withSpec = cur ? await tc.client.update<Node & KubeObject>(Resources.nodes, undefined, { ...structuredClone(saved), spec: n.spec } as Node & KubeObject) : saved;
    await tc.client.updateStatus(Resources.nodes, undefined, { ...structuredClone(withSpec), status: n.status } as Node & KubeObject);
  };
  try {
    await tc.start();
    await eventually(() => assert.equal(host.forwarding.has(chain), false, 'the chains a killed predecessor left go first'));
    await put(node('a', '10.244.0.0/24', '192.168.77.1'));
    await put(node('b', '10.244.1.0/24', '192.168.77.2'));
    await put(node('local', '10.244.3.0/24', '127.0.1.3'));
    await eventually(() => assert.deepEqual([...host.routes], [['10.244.1.0/24', '192.168.77.2']]));
    assert.deepEqual(host.forwarding.get(chain), ['10.244.1.0/24']);
    assert.ok(host.log.includes('delete 10.244.9.0/24 via 192.168.77.9'), 'the stale route of the previous agent is deleted');
    assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')), [{ node: 'b', podCIDR: '10.244.1.0/24', via: '192.168.77.2' }]);

    // A third machine joins; b moves to another address.
    await put(node('c', '10.244.2.0/24', '192.168.77.3'));
    await put(node('b', '10.244.1.0/24', '192.168.77.20'));
    await eventually(() => assert.deepEqual(new Map(host.routes), new Map([['10.244.1.0/24', '192.168.77.20'], ['10.244.2.0/24', '192.168.77.3']])));
    assert.ok(host.log.includes('delete 10.244.1.0/24 via 192.168.77.2'), 'the old route of b is deleted');
    assert.deepEqual(host.forwarding.get(chain), ['10.244.1.0/24', '10.244.2.0/24']);

    // c goes.
    await tc.client.delete(Resources.nodes, undefined, 'c');
    await eventually(() => assert.deepEqual([...host.routes], [['10.244.1.0/24', '192.168.77.20']]));
    assert.deepEqual(host.forwarding.get(chain), ['10.244.1.0/24']);
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
  assert.deepEqual([...host.routes], []);
  assert.equal(host.forwarding.has(chain), false);
  assert.equal(existsSync(stateFile), false, 'nothing recorded once every route is gone');
  rmSync(dir, { recursive: true, force: true });
});

test('without root or ip the controller does nothing', async () => {
  const tc = await startTestCluster();
  const host = new FakeHost();
  host.unavailable = async () => 'not root';
  const rc = new RouteController({ informers: tc.informers, clock: realClock, nodeName: 'a', chain: 'X', host });
  try {
    await rc.run(new AbortController().signal);
    assert.deepEqual(host.log, []);
  } finally { await tc.close(); }
});
