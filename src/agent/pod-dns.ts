import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DNSConfig } from '../runtime/types.js';

/** DEFAULT_CLUSTER_DNS is the kube-dns Service address (the kubelet's --cluster-dns as kubeadm sets it for 10.96.0.0/12). */
export const DEFAULT_CLUSTER_DNS = '10.96.0.10';
/** DEFAULT_CLUSTER_DOMAIN is the kubelet's --cluster-domain default. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** MAX_DNS_NAMESERVERS, MAX_DNS_SEARCH_PATHS and MAX_DNS_SEARCH_LIST_CHARS are the API's limits (ExpandedDNSConfig, GA since 1.28). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/** DNSSettings are the node-wide inputs: cluster DNS servers and domain, and the host's resolv.conf. */
export interface DNSSettings {
  clusterDNS: string[];
  clusterDomain: string;
  /** the node's own resolver configuration (Default policy, and the search path ClusterFirst appends) */
  host: DNSConfig;
}

/** PodDNSResult is the pod's resolver configuration plus warnings to record as DNSConfigForming events. */
export interface PodDNSResult { config: DNSConfig; warnings: string[] }

type DNSType = 'cluster' | 'host' | 'none';

/**
 * podDNSType is the kubelet's getPodDNSType: ClusterFirst means the cluster's DNS unless the pod
 * is in the host's network (then as Default); ClusterFirstWithHostNet always the cluster's.
 */
export function podDNSType(pod: Pod): DNSType {
  switch (pod.spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None': return 'none';
    case 'ClusterFirstWithHostNet': return 'cluster';
    case 'Default': return 'host';
    default: return pod.spec?.hostNetwork ? 'host' : 'cluster';
  }
}

/**
 * podDNS is the kubelet's GetPodDNS: the base configuration from the pod's dnsPolicy (cluster DNS
 * with the <ns>.svc.<domain> svc.<domain> <domain> search path, the host's search path after it,
 * and ndots:5; or the host's; or nothing), then spec.dnsConfig appended (duplicates dropped, its
 * options overriding by name), then cut to the API's limits.
 */
export function podDNS(pod: Pod, s: DNSSettings): PodDNSResult {
  let cfg: DNSConfig = { servers: [...s.host.servers], searches: [...s.host.searches], options: [...s.host.options] };
  switch (podDNSType(pod)) {
    case 'none':
      cfg = { servers: [], searches: [], options: [] };
      break;
    case 'cluster':
      if (s.clusterDNS.length) {
        cfg.servers = [...s.clusterDNS];
        cfg.searches = clusterSearches(pod.metadata?.namespace ?? 'default', s.clusterDomain, cfg.searches);
        cfg.options = ['ndots:5'];
      }
      break;
    case 'host':
      break;
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg.servers = omitDuplicates([...cfg.servers, ...(extra.nameservers ?? [])]);
    cfg.searches = omitDuplicates([...cfg.searches, ...(extra.searches ?? [])]);
    cfg.options = mergeDNSOptions(cfg.options, extra.options ?? []);
  }
  return fitLimits(cfg);
}

function clusterSearches(namespace: string, domain: string, hostSearch: string[]): string[] {
  if (!domain) return hostSearch;
  return omitDuplicates([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearch]);
}

function omitDuplicates(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** mergeDNSOptions merges "name[:value]" options; a pod's dnsConfig option replaces one of the same name (order kept). */
export function mergeDNSOptions(existing: string[], extra: { name?: string; value?: string }[]): string[] {
  const m = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) m.set(op.slice(0, i), op.slice(i + 1));
    else m.set(op, '');
  }
  for (const op of extra) if (op.name) m.set(op.name, op.value ?? '');
  return [...m].map(([k, v]) => (v ? `${k}:${v}` : k));
}

function fitLimits(cfg: DNSConfig): PodDNSResult {
  const warnings: string[] = [];
  if (cfg.servers.length > MAX_DNS_NAMESERVERS) {
    cfg.servers = cfg.servers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${cfg.servers.join(' ')}`);
  }
  let exceeded = false;
  let search = cfg.searches;
  if (search.length > MAX_DNS_SEARCH_PATHS) { search = search.slice(0, MAX_DNS_SEARCH_PATHS); exceeded = true; }
  const kept = search.filter((d) => d.length <= 253);
  if (kept.length !== search.length) exceeded = true;
  search = kept;
  while (search.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) { search = search.slice(0, -1); exceeded = true; }
  if (exceeded) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${search.join(' ')}`);
  cfg.searches = search;
  return { config: cfg, warnings };
}
