/**
 * Discovery of aggregated APIs (kube-aggregator's apis handler, group handler and aggregated
 * discovery manager): the groups of extension APIServices join /apis and the aggregated
 * APIGroupDiscoveryList, placed by groupPriorityMinimum (highest first, then by name) with their
 * versions by versionPriority; the resources are those the server listed in its
 * /apis/<group>/<version> at the last passed availability check. A group version whose APIService
 * is not Available is listed Stale (kubectl then warns "stale GroupVersion discovery").
 */
import type { APIGroup } from '../discovery.js';
import { compareVersions } from '../discovery.js';
import type { APIServiceInfo } from './apiservice.js';
import { isObj, type Obj } from '../../api/common/obj.js';


/** DEFAULT_GROUP_PRIORITY is the priority of a group served without an APIService (custom resources, metrics). */
export const DEFAULT_GROUP_PRIORITY = 1000;

/** AggregatedVersion is one extension group version as discovery shows it. */
export interface AggregatedVersion {
  info: APIServiceInfo;
  available: boolean;
  /** the APIResourceList's resources from the last passed check, if any */
  resources?: Obj[];
}

/** groupPriority is the highest groupPriorityMinimum among a group's APIServices. */
function groupPriority(group: string, all: readonly APIServiceInfo[]): number {
  const ps = all.filter((s) => s.group === group).map((s) => s.groupPriorityMinimum);
  return ps.length ? Math.max(...ps) : DEFAULT_GROUP_PRIORITY;
}

/** sortVersions orders a group's versions by versionPriority (highest first), then as Kubernetes compares versions. */
export function sortVersions(group: string, versions: string[], all: readonly APIServiceInfo[]): string[] {
  const prio = (v: string) => all.find((s) => s.group === group && s.version === v)?.versionPriority ?? 0;
  return [...new Set(versions)].sort((a, b) => prio(b) - prio(a) || compareVersions(a, b));
}

/**
 * mergeGroups adds the aggregated versions to an ordered list of groups: into a group already
 * there, or as a new group before the first one of lower priority (by name among equals).
 */
export function mergeGroups<G extends { name: string; versions: string[] }>(
  groups: readonly G[], aggregated: readonly AggregatedVersion[], all: readonly APIServiceInfo[], make: (name: string) => G,
): G[] {
  const out = groups.map((g) => ({ ...g, versions: [...g.versions] }));
  const byGroup = new Map<string, string[]>();
  for (const a of aggregated) byGroup.set(a.info.group, [...byGroup.get(a.info.group) ?? [], a.info.version]);
  for (const [name, versions] of [...byGroup].sort(([a], [b]) => groupPriority(b, all) - groupPriority(a, all) || a.localeCompare(b))) {
    const existing = out.find((g) => g.name === name);
    if (existing) {
      existing.versions = sortVersions(name, [...existing.versions, ...versions], all);
      continue;
    }
    const p = groupPriority(name, all);
    const at = out.findIndex((g) => groupPriority(g.name, all) < p || (groupPriority(g.name, all) === p && g.name.localeCompare(name) > 0));
    const g = { ...make(name), versions: sortVersions(name, versions, all) };
    if (at < 0) out.push(g);
    else out.splice(at, 0, g);
  }
  return out;
}

function toAPIGroup(name: string, versions: string[]): APIGroup {
  const gv = (v: string) => ({ groupVersion: `${name}/${v}`, version: v });
  return { name, versions: versions.map(gv), preferredVersion: gv(versions[0]) };
}

/** mergeAPIGroupList adds aggregated groups to the body of GET /apis. */
export function mergeAPIGroupList<L extends { groups: APIGroup[] }>(list: L, aggregated: readonly AggregatedVersion[], all: readonly APIServiceInfo[]): L {
  const groups = mergeGroups(list.groups.map((g) => ({ name: g.name, versions: g.versions.map((v) => v.version) })), aggregated, all, (name) => ({ name, versions: [] }));
  return { ...list, groups: groups.map((g) => toAPIGroup(g.name, g.versions)) };
}

/** aggregatedAPIGroup is GET /apis/<group> for a group with extension versions (local versions merged in). */
export function aggregatedAPIGroup(group: string, localVersions: string[], aggregated: readonly AggregatedVersion[], all: readonly APIServiceInfo[]): object | undefined {
  const versions = sortVersions(group, [...localVersions, ...aggregated.filter((a) => a.info.group === group).map((a) => a.info.version)], all);
  if (!versions.length) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...toAPIGroup(group, versions) };
}

/**
 * discoveryResourcesOf converts an APIResourceList's resources to aggregated discovery's form
 * (apiserver's ConvertGroupVersionIntoToDiscovery): subresources ("a/b") go under their resource.
 */
export function discoveryResourcesOf(resources: readonly Obj[]): Obj[] {
  const top = new Map<string, Obj>();
  const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  for (const r of resources) {
    const name = String(r.name ?? '');
    if (!name || name.includes('/')) continue;
    const d: Obj = {
      resource: name,
      responseKind: { group: String(r.group ?? ''), version: String(r.version ?? ''), kind: String(r.kind ?? '') },
      scope: r.namespaced === true ? 'Namespaced' : 'Cluster',
      singularResource: String(r.singularName ?? ''),
      verbs: arr(r.verbs),
    };
    if (arr(r.shortNames).length) d.shortNames = arr(r.shortNames);
    if (arr(r.categories).length) d.categories = arr(r.categories);
    top.set(name, d);
  }
  for (const r of resources) {
    const [parent, sub] = String(r.name ?? '').split('/');
    const p = top.get(parent);
    if (!sub || !p) continue;
    const subs = (p.subresources as Obj[] | undefined) ?? [];
    subs.push({ subresource: sub, responseKind: { group: String(r.group ?? ''), version: String(r.version ?? ''), kind: String(r.kind ?? '') }, verbs: arr(r.verbs) });
    p.subresources = subs;
  }
  return [...top.values()].sort((a, b) => String(a.resource).localeCompare(String(b.resource)));
}

/** resourcesOfBody reads the resources of an APIResourceList body (undefined when it is not one). */
export function resourcesOfBody(body: string): Obj[] | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    if (isObj(v) && Array.isArray(v.resources)) return v.resources.filter(isObj);
  } catch { /* not JSON */ }
  return undefined;
}

/** mergeAggregatedDiscovery adds the aggregated group versions to an APIGroupDiscoveryList of /apis. */
export function mergeAggregatedDiscovery<D extends { items: Obj[] }>(doc: D, aggregated: readonly AggregatedVersion[], all: readonly APIServiceInfo[]): D {
  const groupName = (item: Obj) => String((item.metadata as Obj | undefined)?.name ?? '');
  const versionsOf = new Map<string, Obj[]>();
  for (const item of doc.items) versionsOf.set(groupName(item), Array.isArray(item.versions) ? item.versions.filter(isObj) : []);
  for (const a of aggregated) {
    const entry: Obj = { version: a.info.version, resources: discoveryResourcesOf(a.resources ?? []), freshness: a.available && a.resources ? 'Current' : 'Stale' };
    versionsOf.set(a.info.group, [...(versionsOf.get(a.info.group) ?? []).filter((v) => v.version !== a.info.version), entry]);
  }
  const groups = mergeGroups(doc.items.map((i) => ({ name: groupName(i), versions: (versionsOf.get(groupName(i)) ?? []).map((v) => String(v.version)) })), aggregated, all, (name) => ({ name, versions: [] }));
  const items = groups.map((g) => ({
    metadata: { name: g.name, creationTimestamp: null },
    versions: g.versions.map((v) => versionsOf.get(g.name)!.find((x) => x.version === v)!),
  }));
  return { ...doc, items };
}
