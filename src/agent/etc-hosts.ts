import type { HostAlias, Pod } from 'kubernetes-types/core/v1.js';

/** MANAGED_HOSTS_HEADER opens the /etc/hosts the kubelet writes for a pod in its own network. */
export const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
/** MANAGED_HOSTS_HEADER_HOST_NETWORK opens the copy of the node's /etc/hosts a host-network pod gets. */
export const MANAGED_HOSTS_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

/** HOSTNAME_MAX_LEN is the kernel's limit on a hostname (64 bytes with the NUL). */
const HOSTNAME_MAX_LEN = 63;

/**
 * podHostnameAndDomain is the kubelet's GeneratePodHostNameAndDomain: the hostname is
 * spec.hostname or the pod's name (cut to 63 characters, no trailing '-' or '.'); with a
 * spec.subdomain the domain is <subdomain>.<namespace>.svc.<clusterDomain> (a StatefulSet's pods
 * get their Service's name there).
 */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  let hostname = pod.spec?.hostname || pod.metadata?.name || '';
  if (hostname.length > HOSTNAME_MAX_LEN) hostname = hostname.slice(0, HOSTNAME_MAX_LEN).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  const domain = sub ? `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

/**
 * managedHostsFileContent is the kubelet's /etc/hosts for a pod with its own network: the localhost
 * lines, "<podIP>\t<hostname>" for each pod IP (with the FQDN first when the pod has a subdomain),
 * then the pod's hostAliases.
 */
export function managedHostsFileContent(podIPs: string[], hostname: string, domain: string, aliases: HostAlias[] = []): string {
  let out = MANAGED_HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostsEntriesFromHostAliases(aliases);
}

/** nodeHostsFileContent is what a host-network pod gets: the node's /etc/hosts under the kubelet's header, plus hostAliases. */
export function nodeHostsFileContent(nodeHosts: string, aliases: HostAlias[] = []): string {
  return MANAGED_HOSTS_HEADER_HOST_NETWORK + nodeHosts + hostsEntriesFromHostAliases(aliases);
}

/** hostsEntriesFromHostAliases is the "# Entries added by HostAliases." block: one line per IP, its hostnames tab-separated. */
export function hostsEntriesFromHostAliases(aliases: HostAlias[]): string {
  if (!aliases.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}
