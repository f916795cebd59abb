/**
 * Discovery documents: /version, /api, /apis, /api/v1, /apis/GROUP/VERSION and the aggregated
 * (apidiscovery.k8s.io) lists kubectl 1.32 asks for first. Pure functions over the served
 * ResourceDefinitions; shapes, orders and hashes follow Kubernetes'.
 */
import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../api/resource.js';

/** KUBERNETES_VERSION is the Kubernetes release whose API tskube implements. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4' } as const;

/** versionInfo is the body of GET /version (kubectl's dispatcher picks kubectl 1.32 from it). */
export function versionInfo(): Record<string, string> {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: KUBERNETES_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T00:00:00Z',
    goVersion: 'go1.23.8',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** coreAPIVersions is the body of GET /api (plain APIVersions). */
export function coreAPIVersions(serverAddress = '127.0.0.1:6443'): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

// Kubernetes lists API groups in this order; kubectl resolves ambiguous short names by it.
const GROUP_ORDER = [
  'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
  'autoscaling', 'batch', 'certificates.k8s.io', 'networking.k8s.io', 'policy',
  'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io', 'resource.k8s.io',
];

/** compareVersions orders API versions as Kubernetes does: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    return [m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return a.localeCompare(b);
}

/** groupVersions returns each non-core group with its versions, preferred first, in Kubernetes' group order. */
function groupVersions(defs: ResourceDefinition[]): { name: string; versions: string[] }[] {
  const byGroup = new Map<string, Set<string>>();
  for (const d of defs) {
    if (d.group === '') continue;
    if (!byGroup.has(d.group)) byGroup.set(d.group, new Set());
    byGroup.get(d.group)!.add(d.version);
  }
  const order = (g: string) => { const i = GROUP_ORDER.indexOf(g); return i < 0 ? GROUP_ORDER.length : i; };
  return [...byGroup.keys()]
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((name) => ({ name, versions: [...byGroup.get(name)!].sort(compareVersions) }));
}

/** apiGroupList is the body of GET /apis (plain APIGroupList). */
export function apiGroupList(defs: ResourceDefinition[]): { kind: string; apiVersion: string; groups: APIGroup[] } {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupVersions(defs).map(toAPIGroup) };
}

/** APIGroup is one entry of /apis (also the body of GET /apis/GROUP with kind/apiVersion added). */
export interface APIGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
}

function toAPIGroup(g: { name: string; versions: string[] }): APIGroup {
  const gv = (v: string) => ({ groupVersion: `${g.name}/${v}`, version: v });
  return { name: g.name, versions: g.versions.map(gv), preferredVersion: gv(g.versions[0]) };
}

/** apiGroup is the body of GET /apis/GROUP, or undefined for an unknown group. */
export function apiGroup(defs: ResourceDefinition[], group: string): object | undefined {
  const g = groupVersions(defs).find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...toAPIGroup(g) } : undefined;
}

/** storageVersionHash is Kubernetes' hash of the storage group/version/kind (8 bytes of sha256, base64). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** SubresourceInfo: what discovery says about one subresource kind. */
interface SubresourceInfo { kind: (def: ResourceDefinition) => string; group?: string; version?: string; verbs: string[] }

const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];
const SUBRESOURCES: Record<string, SubresourceInfo> = {
  status: { kind: (d) => d.kind, verbs: ['get', 'patch', 'update'] },
  scale: { kind: () => 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
  binding: { kind: () => 'Binding', verbs: ['create'] },
  log: { kind: (d) => d.kind, verbs: ['get'] },
  exec: { kind: () => 'PodExecOptions', verbs: ['create', 'get'] },
  attach: { kind: () => 'PodAttachOptions', verbs: ['create', 'get'] },
  portforward: { kind: () => 'PodPortForwardOptions', verbs: ['create', 'get'] },
  eviction: { kind: () => 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
  proxy: { kind: (d) => `${d.kind}ProxyOptions`, verbs: PROXY_VERBS },
  finalize: { kind: (d) => d.kind, verbs: ['update'] },
  ephemeralcontainers: { kind: (d) => d.kind, verbs: ['get', 'patch', 'update'] },
  resize: { kind: (d) => d.kind, verbs: ['get', 'patch', 'update'] },
  token: { kind: () => 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
  approval: { kind: (d) => d.kind, verbs: ['get', 'patch', 'update'] },
};

function subresourceInfo(name: string): SubresourceInfo {
  return SUBRESOURCES[name] ?? { kind: (d) => d.kind, verbs: ['get'] };
}

/**
 * hasStorage: resources that are only "created" (bindings, reviews) have no storage version hash,
 * nor have the computed metrics.k8s.io resources (metrics-server's are not stored either).
 */
function hasStorage(def: ResourceDefinition): boolean {
  return def.verbs.includes('list') && !(def.group === '' && def.plural === 'componentstatuses') && def.group !== 'metrics.k8s.io';
}

/** apiResourceList is the body of GET /api/v1 or /apis/GROUP/VERSION, or undefined if not served. */
export function apiResourceList(defs: ResourceDefinition[], group: string, version: string): object | undefined {
  const served = defs.filter((d) => d.group === group && d.version === version);
  if (served.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const d of served) {
    const r: Record<string, unknown> = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...d.verbs] };
    if (d.shortNames.length) r.shortNames = [...d.shortNames];
    if (d.categories.length) r.categories = [...d.categories];
    if (hasStorage(d)) r.storageVersionHash = storageVersionHash(d.group, d.storageVersion ?? d.version, d.kind);
    resources.push(r);
    for (const s of d.subresources) {
      const info = subresourceInfo(s);
      const sr: Record<string, unknown> = { name: `${d.plural}/${s}`, singularName: '', namespaced: d.namespaced };
      if (info.group !== undefined && (info.group !== d.group || info.version !== d.version)) {
        sr.group = info.group;
        sr.version = info.version;
      }
      sr.kind = info.kind(d);
      sr.verbs = [...info.verbs];
      resources.push(sr);
    }
  }
  resources.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/**
 * aggregatedDiscovery is the body of GET /api or /apis when the client accepts
 * `application/json;g=apidiscovery.k8s.io;v=<version>;as=APIGroupDiscoveryList`
 * (serve it with exactly that Content-Type). `which` 'core' lists the legacy group, 'apis' the rest.
 */
export function aggregatedDiscovery(defs: ResourceDefinition[], which: 'core' | 'apis', version: 'v2' | 'v2beta1'): object {
  const groups = which === 'core' ? [{ name: '', versions: ['v1'] }] : groupVersions(defs);
  const items = groups.map((g) => ({
    metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      resources: discoveryResources(defs.filter((d) => d.group === g.name && d.version === v)),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

function discoveryResources(defs: ResourceDefinition[]): object[] {
  return [...defs].sort((a, b) => a.plural.localeCompare(b.plural)).map((d) => {
    const r: Record<string, unknown> = {
      resource: d.plural,
      // Custom resources name their group and version in responseKind, as the CRD discovery controller does.
      responseKind: { group: d.customResource ? d.group : '', version: d.customResource ? d.version : '', kind: d.kind },
      scope: d.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: d.singular,
      verbs: [...d.verbs],
    };
    if (d.shortNames.length) r.shortNames = [...d.shortNames];
    if (d.categories.length) r.categories = [...d.categories];
    if (d.subresources.length) {
      r.subresources = [...d.subresources].sort().map((s) => {
        const info = subresourceInfo(s);
        const foreign = info.group !== undefined && (info.group !== d.group || info.version !== d.version);
        const own = !foreign && d.customResource;
        return {
          subresource: s,
          responseKind: { group: foreign ? info.group : own ? d.group : '', version: foreign ? info.version : own ? d.version : '', kind: info.kind(d) },
          verbs: [...info.verbs],
        };
      });
    }
    return r;
  });
}
