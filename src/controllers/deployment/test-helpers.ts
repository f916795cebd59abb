/**
 * Test helpers for the deployment controller's unit tests: a real in-process API server, the
 * controller running against it, and the ReplicaSet controller's part played by hand (writing
 * ReplicaSet status), so these tests never need the ReplicaSet controller.
 */
import { StatusError } from '../../apimachinery/errors.js';
import { defaultControllerOptions } from '../common/context.js';
import { Resources } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { realClock, type Clock } from '../../util/clock.js';
import { DeploymentController } from './controller.js';
import type { Deployment, DeploymentSpec, ReplicaSet } from './types.js';

/** DeploymentEnv is a started API server with a running DeploymentController. */
export interface DeploymentEnv {
  tc: TestCluster;
  dc: DeploymentController;
  /** create makes a Deployment `name` (app=name, one nginx container) with spec overrides */
  create(name: string, spec?: Partial<DeploymentSpec>, annotations?: Record<string, string>): Promise<Deployment>;
  get(name: string): Promise<Deployment>;
  /** mutate reads, changes and writes a Deployment (retrying conflicts) */
  mutate(name: string, fn: (d: Deployment) => void): Promise<Deployment>;
  /** replicaSets lists the ReplicaSets a Deployment controls, lowest revision first */
  replicaSets(name: string): Promise<ReplicaSet[]>;
  /** setRSStatus plays the ReplicaSet controller for one ReplicaSet */
  setRSStatus(rsName: string, s: { replicas: number; ready?: number; available?: number; conditions?: unknown[] }): Promise<void>;
  /** settle plays the ReplicaSet controller for every ReplicaSet of d: pods exist (and are available when asked) as spec says */
  settle(name: string, available?: boolean): Promise<void>;
  /** scalingEvents lists the ScalingReplicaSet messages recorded on a Deployment, in order */
  events(name: string, reason?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** nginxTemplate is the template of the book's nginx Deployment. */
export function nginxTemplate(app: string, image = 'nginx:1.25') {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } };
}

const rev = (rs: ReplicaSet) => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);

async function retryConflict<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'Conflict') || i > 50) throw e;
    }
  }
}

/** startDeploymentEnv starts the API server and the controller (on clock, real by default). */
export async function startDeploymentEnv(o: { clock?: Clock } = {}): Promise<DeploymentEnv> {
  const tc = await startTestCluster();
  const clock = o.clock ?? realClock;
  const dc = new DeploymentController({ client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions });
  await tc.start();
  const ac = new AbortController();
  const running = dc.run(ac.signal, 2);
  const c = tc.client;
  const get = (name: string) => c.get<Deployment>(Resources.deployments, 'default', name);
  const replicaSets = async (name: string) => {
    const d = await get(name);
    const { items } = await c.list<ReplicaSet>(Resources.replicasets, 'default');
    return items
      .filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.uid === d.metadata?.uid && r.controller))
      // Creation times have whole seconds: the revision tells old from new.
      .sort((a, b) => rev(a) - rev(b));
  };
  const setRSStatus: DeploymentEnv['setRSStatus'] = (rsName, s) => retryConflict(async () => {
    const rs = await c.get<ReplicaSet>(Resources.replicasets, 'default', rsName);
    rs.status = {
      replicas: s.replicas, fullyLabeledReplicas: s.replicas, readyReplicas: s.ready ?? 0, availableReplicas: s.available ?? 0,
      observedGeneration: rs.metadata?.generation, ...(s.conditions ? { conditions: s.conditions as never } : {}),
    };
    await c.updateStatus(Resources.replicasets, 'default', rs);
  });
  return {
    tc, dc,
    async create(name, spec = {}, annotations) {
      return c.create<Deployment>(Resources.deployments, 'default', {
        apiVersion: 'apps/v1', kind: 'Deployment',
        metadata: { name, labels: { app: name }, ...(annotations ? { annotations } : {}) },
        spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: nginxTemplate(name), ...spec },
      });
    },
    get,
    mutate: (name, fn) => retryConflict(async () => {
      const d = await get(name);
      fn(d);
      return c.update<Deployment>(Resources.deployments, 'default', d);
    }),
    replicaSets,
    setRSStatus,
    async settle(name, available = true) {
      for (const rs of await replicaSets(name)) {
        const n = rs.spec?.replicas ?? 0;
        const st = rs.status ?? {};
        if (st.replicas === n && (st.availableReplicas ?? 0) === (available ? n : 0) && st.observedGeneration === rs.metadata?.generation) continue;
        await setRSStatus(rs.metadata!.name!, { replicas: n, ready: available ? n : 0, available: available ? n : 0 });
      }
    },
    async events(name, reason = 'ScalingReplicaSet') {
      await dc.recorder.flush();
      const { items } = await c.list<KubeObject & { involvedObject: { name: string }; reason: string; message: string; firstTimestamp: string }>(Resources.events, 'default');
      return items
        .filter((e) => e.involvedObject.name === name && e.reason === reason)
        // The recorder writes in order; resourceVersions are the store's revisions.
        .sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion))
        .map((e) => e.message);
    },
    async close() {
      ac.abort();
      await running;
      await tc.close();
    },
  };
}

export { eventually };
