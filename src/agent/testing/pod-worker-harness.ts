/**
 * Test setup for the node agent's pod worker: a PodWorker over the fake runtime and a fake API
 * client, with a PLEG feeding it container events as in the agent. Temporary directories made
 * here are removed when the importing test file's tests end.
 */
import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { Resources } from '../../client/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeRuntime } from '../../runtime/testing/fake-runtime.js';
import { Backoff } from '../../util/backoff.js';
import { FakeClock } from '../../util/clock.js';
import { KubeletEventRecorder } from '../events.js';
import { clientConfigSource } from '../node-agent.js';
import { GenericPLEG } from '../pleg.js';
import { PodWorker, type PodWorkerDeps } from '../pod-worker.js';

const tmpDirs: string[] = [];
after(() => { for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true }); });

/** tmpDir makes a directory under the OS temp dir that is removed after the test file's tests. */
export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

/** PodWorkerSetupOptions: what a test brings of its own (a runtime or clock to share, deps to override). */
export interface PodWorkerSetupOptions {
  /** runs on the runtime before the worker starts (images, failures to inject) */
  prepare?: (rt: FakeRuntime) => void;
  deps?: Partial<PodWorkerDeps>;
  clock?: FakeClock;
  client?: FakeClient;
  /** a runtime to reuse: a restarted agent finds the containers a previous one left */
  rt?: FakeRuntime;
  /** a root directory to reuse: a restarted agent finds the pods' directories (their logs) */
  rootDir?: string;
}

/**
 * setupPodWorker starts a worker for `pod` (stored in the fake client) on node n1 and lets it
 * settle. `settle` lets the worker and the PLEG finish what is pending; `status` is the pod's
 * status as last written to the API, `cs` one container's status in it.
 */
export async function setupPodWorker(pod: Pod, o: PodWorkerSetupOptions = {}) {
  const clock = o.clock ?? new FakeClock();
  const client = o.client ?? new FakeClient();
  client.put(Resources.pods, pod as unknown as KubeObject);
  const rt = o.rt ?? new FakeRuntime(() => clock.now());
  o.prepare?.(rt);
  const recorder = new KubeletEventRecorder(client, 'n1', clock);
  const rootDir = o.rootDir ?? tmpDir('agent-test-');
  let terminated = false;
  const w = new PodWorker(pod, {
    client, runtime: rt, clock, recorder, backoff: new Backoff(clock), config: clientConfigSource(client),
    node: { cpu: 2, memory: 2 ** 30 }, nodeName: 'n1', hostIP: '127.0.0.1', rootDir, onTerminated() { terminated = true; },
    ...o.deps,
  });
  // The worker learns of exits from the PLEG, as in the agent; the fake runtime's events make it relist at once.
  const pleg = new GenericPLEG({ runtime: rt, clock, onEvent: (e) => w.handlePlegEvent(e) });
  rt.getContainerEvents(() => setImmediate(() => void pleg.relist()));
  const settle = async () => {
    for (let i = 0; i < 8; i++) { await w.whenIdle(); await pleg.relist(); await new Promise((r) => setImmediate(r)); }
    await recorder.flush();
  };
  w.kick();
  await settle();
  const status = () => (client.objects.get(`pods/default/${pod.metadata!.name}`) as { status: Pod['status'] }).status!;
  const cs = (name: string): ContainerStatus => status().containerStatuses!.find((c) => c.name === name)!;
  return { clock, client, rt, w, settle, status, cs, rootDir, isTerminated: () => terminated };
}
