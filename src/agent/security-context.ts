import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerConfig, ImageInfo } from '../runtime/types.js';
import { ContainerConfigError } from './container-env.js';

/** ContainerSecurity is the part of a ContainerConfig that the security contexts decide. */
export type ContainerSecurity = Pick<ContainerConfig, 'user' | 'readOnlyRootfs' | 'noNewPrivs' | 'capabilities'>;

/** DEFAULT_CAPABILITIES are what containerd gives a container that is not privileged. */
export const DEFAULT_CAPABILITIES = ['chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap',
  'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write'];

/** capabilitySet applies securityContext.capabilities add/drop ("NET_ADMIN", "CAP_NET_ADMIN" or "ALL") to the default set. */
export function capabilitySet(caps: { add?: string[]; drop?: string[] } | undefined): string[] {
  const norm = (x: string) => x.toLowerCase().replace(/^cap_/, '');
  const drop = (caps?.drop ?? []).map(norm);
  const add = (caps?.add ?? []).map(norm);
  let set = drop.includes('all') ? [] : DEFAULT_CAPABILITIES.filter((x) => !drop.includes(x));
  if (add.includes('all')) return ['all'];
  for (const a of add) if (!set.includes(a)) set = [...set, a];
  return set;
}

/**
 * containerSecurity merges the pod's and the container's securityContext (the container's wins,
 * kubelet's DetermineEffectiveSecurityContext) with the image's USER: the process's uid/gid, its
 * supplementary groups (fsGroup and supplementalGroups, as the kubelet adds them), a read-only
 * root filesystem and no_new_privs. runAsNonRoot is checked as the kubelet's verifyRunAsNonRoot
 * does, a CreateContainerConfigError when the container would run as root.
 */
export function containerSecurity(pod: Pod, c: Container, image: Pick<ImageInfo, 'user'>): ContainerSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const csc = c.securityContext ?? {};
  const uid = csc.runAsUser ?? psc.runAsUser ?? image.user?.uid;
  const gid = csc.runAsGroup ?? psc.runAsGroup ?? image.user?.gid;
  const groups = [...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])];
  if (csc.runAsNonRoot ?? psc.runAsNonRoot) {
    const who = `(pod: "${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})", container: ${c.name})`;
    if (uid === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${who}`);
    if (uid === undefined) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${who}`);
  }
  const out: ContainerSecurity = {};
  if (uid !== undefined || gid !== undefined || groups.length) {
    out.user = { uid: uid ?? 0, gid: gid ?? 0, ...(groups.length ? { supplementalGroups: groups } : {}) };
  }
  if (csc.readOnlyRootFilesystem) out.readOnlyRootfs = true;
  // A privileged container keeps every capability; others get the runtime's default set, adjusted.
  if (!csc.privileged) {
    const caps = capabilitySet(csc.capabilities);
    if (!caps.includes('all')) out.capabilities = caps;
  }
  // allowPrivilegeEscalation defaults to true (unless privileged is false and… Kubernetes leaves it to the runtime: true).
  if (csc.allowPrivilegeEscalation === false) out.noNewPrivs = true;
  return out;
}
