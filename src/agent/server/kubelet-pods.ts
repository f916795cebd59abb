/**
 * The kubelet's /pods and /runningpods/ bodies. /pods is its pod manager's view: the pods it was
 * given, as it holds them (its config.seen/config.source annotations, the status it last saw), in
 * a v1 PodList whose items carry no kind or apiVersion. /runningpods/ is the runtime's view: one
 * pod per sandbox that has running containers, with only its name, namespace, uid and containers'
 * names and images (the kubelet's Pod.ToAPIPod), zero-valued fields as Go writes them.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerInfo } from '../../runtime/types.js';

/** podList is the body of GET /pods. */
export function podList(pods: readonly Pod[]): string {
  const items = [...pods]
    .sort((a, b) => (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map(({ kind: _k, apiVersion: _v, ...rest }) => rest);
  return JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
}

interface RunningPod {
  metadata: { name: string; namespace: string; uid: string; creationTimestamp: null };
  spec: { containers: { name: string; image: string; resources: Record<string, never> }[] };
  status: Record<string, never>;
}

/** runningPodList is the body of GET /runningpods/: the running containers grouped by pod. */
export function runningPodList(containers: readonly ContainerInfo[]): string {
  const pods = new Map<string, RunningPod>();
  for (const c of containers) {
    if (c.phase !== 'running') continue;
    const uid = c.config.podUid;
    let p = pods.get(uid);
    if (!p) {
      p = { metadata: { name: c.config.podName, namespace: c.config.podNamespace, uid, creationTimestamp: null }, spec: { containers: [] }, status: {} };
      pods.set(uid, p);
    }
    p.spec.containers.push({ name: c.config.name, image: c.config.image, resources: {} });
  }
  const items = [...pods.values()].sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name));
  for (const p of items) p.spec.containers.sort((a, b) => a.name.localeCompare(b.name));
  return JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
}
