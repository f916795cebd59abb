/**
 * Ephemeral containers on the node (the kubelet's handling of pod.spec.ephemeralContainers, added
 * by `kubectl debug` through pods/ephemeralcontainers): each runs once in the pod's sandbox (its
 * network), never restarted, never probed, never counted for readiness; with targetContainerName
 * it joins the target's process namespace, so the debugger sees the target's processes.
 */
import type { Container, ContainerStatus, EphemeralContainer, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerConfig } from '../runtime/types.js';

/** ephemeralContainersToStart lists the pod's ephemeral containers that never ran yet (started: has an instance). */
export function ephemeralContainersToStart(pod: Pod, started: (name: string) => boolean): EphemeralContainer[] {
  return (pod.spec?.ephemeralContainers ?? []).filter((ec) => !started(ec.name));
}

/** asContainer views an ephemeral container as a container (they share EphemeralContainerCommon's fields). */
export function asContainer(ec: EphemeralContainer): Container {
  const { targetContainerName: _target, ...common } = ec;
  return common as Container;
}

/** ephemeralFieldPath is the events' fieldPath of an ephemeral container. */
export function ephemeralFieldPath(name: string): string {
  return `spec.ephemeralContainers{${name}}`;
}

/**
 * pidNamespaceOptions says which PID namespace a container gets (the kubelet's
 * namespacesForPod/containerNamespaceOptions): the node's for hostPID pods, the pod's for
 * shareProcessNamespace, the target's for an ephemeral container with a running target, else its own.
 */
export function pidNamespaceOptions(pod: Pod, targetId: string | undefined): ContainerConfig['namespaceOptions'] | undefined {
  if (pod.spec?.hostPID) return { pid: 'NODE' };
  if (pod.spec?.shareProcessNamespace) return { pid: 'POD' };
  if (targetId) return { pid: 'TARGET', targetId };
  return undefined;
}

/** ephemeralContainerStatus is an ephemeral container's status: ephemeral containers are never ready. */
export function ephemeralContainerStatus(cs: ContainerStatus): ContainerStatus {
  return { ...cs, ready: false };
}
