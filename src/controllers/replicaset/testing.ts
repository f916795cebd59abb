import type { KubeObject } from '../../api/resource.js';
import { defaultControllerOptions, type ControllerContext } from '../common/context.js';
import { Resources } from '../../client/types.js';
import { eventually, type TestCluster } from '../../testing/test-cluster.js';
import type { Clock } from '../../util/clock.js';
import type { Pod } from '../common/pod-util.js';
import type { ReplicaSetLike } from './status.js';

/** contextOf builds the ControllerContext a test cluster gives controllers. */
export function contextOf(tc: TestCluster, clock: Clock): ControllerContext {
  return { client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions };
}

/** replicaSet builds an apps/v1 ReplicaSet selecting app=<app> with a one-container template. */
export function replicaSet(name: string, replicas: number, o: { labels?: Record<string, string>; selector?: unknown; minReadySeconds?: number; annotations?: Record<string, string> } = {}): ReplicaSetLike {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name },
    spec: {
      replicas,
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      selector: o.selector ?? { matchLabels: labels },
      template: {
        metadata: { labels, ...(o.annotations ? { annotations: o.annotations } : {}) },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  };
}

/** podsOf lists the pods of a namespace from the API server (not a cache), sorted by name. */
export async function podsOf(tc: TestCluster, ns = 'default', labelSelector?: string): Promise<Pod[]> {
  const { items } = await tc.client.list<Pod>(Resources.pods, ns, { labelSelector });
  return items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

/** activePodsOf lists the pods that are not being deleted. */
export async function activePodsOf(tc: TestCluster, ns = 'default', labelSelector?: string): Promise<Pod[]> {
  return (await podsOf(tc, ns, labelSelector)).filter((p) => !p.metadata?.deletionTimestamp);
}

/** setPodReady writes a Running, Ready (since `since`) status on a pod through the status subresource, as a node agent would. */
export async function setPodReady(tc: TestCluster, pod: Readonly<KubeObject>, since: Date): Promise<void> {
  const ts = since.toISOString().replace(/\.\d+Z$/, 'Z');
  const ns = pod.metadata?.namespace ?? 'default';
  await eventually(async () => {
    const fresh = await tc.client.get<Pod>(Resources.pods, ns, pod.metadata!.name!);
    await tc.client.updateStatus(Resources.pods, ns, {
      ...fresh,
      status: {
        ...fresh.status, phase: 'Running', hostIP: '10.0.0.1', podIP: '10.1.0.1', startTime: ts,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts }],
        containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', started: true, state: { running: { startedAt: ts } } }],
      },
    });
  });
}

/** eventsOf lists the Events about one object (by name and kind), oldest first. */
export async function eventsOf(tc: TestCluster, ns: string, kind: string, name: string): Promise<KubeObject[]> {
  const { items } = await tc.client.list(Resources.events, ns);
  return items.filter((e) => {
    const io = e.involvedObject as { kind?: string; name?: string } | undefined;
    return io?.kind === kind && io?.name === name;
  });
}
