import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIMULATED_EXIT_AFTER, SIMULATED_EXIT_CODE, SimulatedRuntime, parseSimulatedDuration } from './simulated-runtime.js';
import type { PodSandboxConfig } from '../types.js';

const cfg = (name: string, network: 'POD' | 'NODE' = 'POD'): PodSandboxConfig => ({
  metadata: { name, namespace: 'default', uid: `u-${name}`, attempt: 0 }, hostname: name, linux: { namespaceOptions: { network } },
});

test('simulated runtime: sandboxes get addresses from the podCIDR (.2 on, as host-local), released when stopped', async () => {
  const rt = new SimulatedRuntime();
  const before = await rt.runPodSandbox(cfg('early'));
  assert.equal((await rt.podSandboxStatus(before))!.network, undefined, 'no podCIDR yet: no address');
  await rt.updateRuntimeConfig({ networkConfig: { podCidr: '10.244.7.0/24' } });
  const a = await rt.runPodSandbox(cfg('a'));
  const b = await rt.runPodSandbox(cfg('b'));
  const host = await rt.runPodSandbox(cfg('h', 'NODE'));
  assert.equal((await rt.podSandboxStatus(a))!.network!.ip, '10.244.7.2');
  assert.equal((await rt.podSandboxStatus(b))!.network!.ip, '10.244.7.3');
  assert.equal((await rt.podSandboxStatus(host))!.network, undefined);
  const c = await rt.createContainer(a, { podUid: 'u-a', podName: 'a', podNamespace: 'default', name: 'main', attempt: 0, image: 'x', argv: [], env: {}, mounts: [], logPath: '' }, cfg('a'));
  await rt.startContainer(c);
  await rt.stopPodSandbox(a);
  assert.equal((await rt.containerStatus(c))!.phase, 'exited');
  assert.equal((await rt.podSandboxStatus(a))!.state, 'SANDBOX_NOTREADY');
  const again = await rt.runPodSandbox(cfg('again'));
  assert.equal((await rt.podSandboxStatus(again))!.network!.ip, '10.244.7.2', 'the released address is free again');
  await rt.removePodSandbox(a);
  assert.deepEqual((await rt.listPodSandbox({ podUid: 'u-a' })), []);
  assert.deepEqual(await rt.listContainers({ podUid: 'u-a' }), []);
});

test('containers of a pod annotated tskube.io/simulated-exit-after exit on their own with the given code', async () => {
  const rt = new SimulatedRuntime();
  const sb = await rt.runPodSandbox({ metadata: { name: 'j', namespace: 'default', uid: 'u-exit', attempt: 0 }, hostname: 'j', annotations: { [SIMULATED_EXIT_AFTER]: '30ms', [SIMULATED_EXIT_CODE]: '3' } });
  const id = await rt.createContainer(sb, { name: 'c', image: 'busybox', podUid: 'u-exit' } as never);
  await rt.startContainer(id);
  assert.equal((await rt.listContainers()).find((c) => c.id === id)?.phase, 'running');
  await new Promise((r) => setTimeout(r, 200));
  const c = (await rt.listContainers()).find((x) => x.id === id);
  assert.equal(c?.phase, 'exited', 'exited after 30 ms');
  assert.equal(c?.exitCode, 3);
  assert.equal(c?.reason, 'Error');
});

test('parseSimulatedDuration reads ms and s, and nothing else', () => {
  assert.deepEqual(['250ms', '2s', '1.5s', '40', 'soon', undefined].map(parseSimulatedDuration), [250, 2000, 1500, 40, undefined, undefined]);
});
