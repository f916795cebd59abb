import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NamespaceMode, PodSandboxConfig, PortMapping } from '../runtime/types.js';
import { podHostnameAndDomain } from './etc-hosts.js';
import { podDNS, type DNSSettings } from './pod-dns.js';

/** SandboxConfigInput is what, besides the pod, shapes its sandbox. */
export interface SandboxConfigInput {
  dns: DNSSettings;
  /** POD: its own network namespace; NODE: the node's (hostNetwork, or no pod network on this node) */
  network: NamespaceMode;
  attempt: number;
  logDirectory: string;
}

/**
 * generatePodSandboxConfig is the kubelet's generatePodSandboxConfig: metadata with the attempt,
 * the hostname (none for host-network pods: the runtime gives them the node's), the DNS settings
 * of the pod's dnsPolicy, port mappings of the containers' hostPorts, the namespace modes.
 */
export function generatePodSandboxConfig(pod: Pod, i: SandboxConfigInput): { config: PodSandboxConfig; dnsWarnings: string[] } {
  const md = pod.metadata!;
  const { hostname } = podHostnameAndDomain(pod, i.dns.clusterDomain);
  const dns = podDNS(pod, i.dns);
  const config: PodSandboxConfig = {
    metadata: { name: md.name!, namespace: md.namespace ?? 'default', uid: md.uid!, attempt: i.attempt },
    hostname: pod.spec?.hostNetwork ? '' : hostname,
    logDirectory: i.logDirectory,
    dnsConfig: dns.config,
    portMappings: portMappings(pod),
    labels: { ...(md.labels ?? {}), 'io.kubernetes.pod.name': md.name!, 'io.kubernetes.pod.namespace': md.namespace ?? 'default', 'io.kubernetes.pod.uid': md.uid! },
    annotations: { ...(md.annotations ?? {}) },
    linux: {
      namespaceOptions: { network: i.network, ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
      ...(pod.spec?.securityContext?.sysctls?.length ? { sysctls: Object.fromEntries(pod.spec.securityContext.sysctls.map((x) => [x.name, x.value])) } : {}),
    },
  };
  return { config, dnsWarnings: dns.warnings };
}

/** portMappings are the containers' ports that ask for a hostPort (the kubelet's makePortMappings). */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIp: p.hostIP } : {}) });
    }
  }
  return out;
}

/**
 * nodeNetworkPorts are the ports a pod in the node's network takes on the node: every declared
 * containerPort (there a containerPort is a port of the node), as "80/TCP".
 */
export function nodeNetworkPorts(pod: Pod): string[] {
  const out = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) out.add(`${p.hostPort || p.containerPort}/${p.protocol ?? 'TCP'}`);
  }
  return [...out];
}
