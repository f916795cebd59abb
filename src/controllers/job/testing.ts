import { rfc3339 } from '../../apimachinery/time.js';
import { defaultControllerOptions, type ControllerContext } from '../common/context.js';
import { Resources } from '../../client/types.js';
import { eventually, type TestCluster } from '../../testing/test-cluster.js';
import type { Clock } from '../../util/clock.js';
import type { Job, JobSpec, Pod } from './types.js';

/** contextOf builds the ControllerContext a test cluster gives controllers. */
export function contextOf(tc: TestCluster, clock: Clock): ControllerContext {
  return { client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions };
}

/** jobManifest builds a batch/v1 Job running one busybox container, with spec fields overridden. */
export function jobManifest(name: string, spec: Partial<JobSpec> = {}, restartPolicy = 'Never'): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { template: { spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'true'] }] } }, ...spec },
  };
}

/** podsOf lists a Job's pods from the API server (by the job-name label), sorted by creation then name. */
export async function podsOf(tc: TestCluster, job: string, ns = 'default'): Promise<Pod[]> {
  const { items } = await tc.client.list<Pod>(Resources.pods, ns, { labelSelector: `batch.kubernetes.io/job-name=${job}` });
  return items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

/** activePodsOf lists the Job's pods that are neither finished nor being deleted. */
export async function activePodsOf(tc: TestCluster, job: string, ns = 'default'): Promise<Pod[]> {
  return (await podsOf(tc, job, ns)).filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

/** getJob reads a Job from the API server. */
export function getJob(tc: TestCluster, name: string, ns = 'default'): Promise<Job> {
  return tc.client.get<Job>(Resources.jobs, ns, name);
}

/** PodResult is how a test finishes a pod: as a node agent reports it. */
export interface PodResult {
  phase: 'Running' | 'Succeeded' | 'Failed';
  exitCode?: number;
  finishedAt?: Date;
  restartCount?: number;
  ready?: boolean;
  conditions?: { type: string; status: string }[];
}

/**
 * setPodStatus writes a pod status through the status subresource as an agent would: Running
 * (optionally Ready, with restarts), or Succeeded/Failed with the container terminated.
 */
export async function setPodStatus(tc: TestCluster, pod: Readonly<Pod>, r: PodResult): Promise<void> {
  const ns = pod.metadata?.namespace ?? 'default';
  const at = rfc3339(r.finishedAt ?? new Date());
  await eventually(async () => {
    const fresh = await tc.client.get<Pod>(Resources.pods, ns, pod.metadata!.name!);
    const terminated = r.phase !== 'Running';
    const exitCode = r.exitCode ?? (r.phase === 'Failed' ? 1 : 0);
    await tc.client.updateStatus(Resources.pods, ns, {
      ...fresh,
      status: {
        phase: r.phase, startTime: at,
        conditions: [{ type: 'Ready', status: r.ready && !terminated ? 'True' : 'False', lastTransitionTime: at }, ...(r.conditions ?? [])],
        containerStatuses: [{
          name: 'main', image: 'busybox', imageID: '', ready: !!r.ready && !terminated, restartCount: r.restartCount ?? 0, started: !terminated,
          state: terminated ? { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at, finishedAt: at } } : { running: { startedAt: at } },
        }],
      },
    });
  });
}
