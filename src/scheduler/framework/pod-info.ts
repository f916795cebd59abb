/**
 * PodInfo is a pod with what the plugins would otherwise compute again for every node: parsed
 * affinity terms, resource requests, host ports (framework.PodInfo). Built once per pod version.
 */
import { labelSelectorFromSpec, matchesLabels, nothingSelector, type LabelSelector } from '../../apimachinery/labels.js';
import type { ContainerPort, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from './api.js';
import { podPriority } from './api.js';
import { podRequests, type Resource } from './resource.js';

/** AffinityTerm is a parsed PodAffinityTerm (framework.AffinityTerm). */
export interface AffinityTerm {
  namespaces: ReadonlySet<string>;
  selector: LabelSelector;
  topologyKey: string;
  /** nothingSelector unless the term has a namespaceSelector */
  namespaceSelector: LabelSelector;
}

/** WeightedAffinityTerm is a parsed WeightedPodAffinityTerm. */
export interface WeightedAffinityTerm extends AffinityTerm { weight: number }

/** affinityTermMatches tells whether a pod is selected by the term (its namespace listed or selected, and its labels). */
export function affinityTermMatches(t: AffinityTerm, pod: Readonly<Pod>, nsLabels: Record<string, string> | undefined): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (t.namespaces.has(ns) || (!t.namespaceSelector.nothing && matchesLabels(t.namespaceSelector, nsLabels ?? {}))) {
    return matchesLabels(t.selector, pod.metadata?.labels);
  }
  return false;
}

function newAffinityTerm(pod: Readonly<Pod>, term: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set<string>();
  if (!term.namespaces?.length && (term.namespaceSelector === undefined || term.namespaceSelector === null)) namespaces.add(pod.metadata?.namespace ?? '');
  else for (const n of term.namespaces ?? []) namespaces.add(n);
  return {
    namespaces,
    selector: labelSelectorFromSpec(term.labelSelector),
    topologyKey: term.topologyKey,
    namespaceSelector: term.namespaceSelector === undefined || term.namespaceSelector === null ? nothingSelector : labelSelectorFromSpec(term.namespaceSelector),
  };
}

/** normalizedImageName adds the default tag (:latest) to an image without one, as the ImageLocality plugin does. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** PodInfo is a pod and its precomputed scheduling data. */
export class PodInfo {
  pod!: Readonly<Pod>;
  /** the pod's UID, the cache's key (namespace/name if the pod has none) */
  uid!: string;
  namespace!: string;
  name!: string;
  priority!: number;
  requiredAffinityTerms: AffinityTerm[] = [];
  requiredAntiAffinityTerms: AffinityTerm[] = [];
  preferredAffinityTerms: WeightedAffinityTerm[] = [];
  preferredAntiAffinityTerms: WeightedAffinityTerm[] = [];
  /** a term that could not be parsed (the plugins reject the pod with it) */
  parseError: Error | undefined;
  private requestsCache: Resource | undefined;
  private nonZero: { milliCPU: number; memory: number } | undefined;
  private ports: ContainerPort[] | undefined;

  constructor(pod: Readonly<Pod>) {
    this.update(pod);
  }

  /** update re-reads a new version of the pod. */
  update(pod: Readonly<Pod>): void {
    this.pod = pod;
    const md = pod.metadata ?? {};
    this.namespace = md.namespace ?? '';
    this.name = md.name ?? '';
    this.uid = md.uid || `${this.namespace}/${this.name}`;
    this.priority = podPriority(pod);
    this.requestsCache = undefined;
    this.nonZero = undefined;
    this.ports = undefined;
    this.parseError = undefined;
    const a = pod.spec?.affinity;
    this.requiredAffinityTerms = this.terms(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinityTerms = this.terms(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinityTerms = this.weighted(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinityTerms = this.weighted(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  }

  private terms(list: PodAffinityTerm[] | undefined): AffinityTerm[] {
    if (!list?.length) return [];
    const out: AffinityTerm[] = [];
    for (const t of list) {
      try { out.push(newAffinityTerm(this.pod, t)); } catch (e) { this.parseError ??= e as Error; }
    }
    return out;
  }

  private weighted(list: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
    if (!list?.length) return [];
    const out: WeightedAffinityTerm[] = [];
    for (const t of list) {
      try { out.push({ ...newAffinityTerm(this.pod, t.podAffinityTerm ?? { topologyKey: '' }), weight: t.weight ?? 0 }); } catch (e) { this.parseError ??= e as Error; }
    }
    return out;
  }

  /** labels are the pod's labels. */
  get labels(): Record<string, string> | undefined {
    return this.pod.metadata?.labels;
  }

  /** requests is the pod's resource request (PodRequests, no defaults). */
  get requests(): Resource {
    return (this.requestsCache ??= podRequests(this.pod));
  }

  /** nonZeroRequests is the cpu/memory request with 100m/200Mi for containers that request nothing (scoring). */
  get nonZeroRequests(): { milliCPU: number; memory: number } {
    if (!this.nonZero) {
      const r = podRequests(this.pod, true);
      this.nonZero = { milliCPU: r.milliCPU, memory: r.memory };
    }
    return this.nonZero;
  }

  /** hostPorts are the container ports with a hostPort (NodePorts). */
  get hostPorts(): ContainerPort[] {
    if (!this.ports) {
      this.ports = [];
      for (const c of this.pod.spec?.containers ?? []) for (const p of c.ports ?? []) if ((p.hostPort ?? 0) > 0) this.ports.push(p);
    }
    return this.ports;
  }

  /** hasAffinity is true when the pod has any pod (anti-)affinity term (NodeInfo.PodsWithAffinity). */
  get hasAffinity(): boolean {
    const a = this.pod.spec?.affinity;
    return !!(a?.podAffinity || a?.podAntiAffinity);
  }

  /** hasRequiredAntiAffinity is true when the pod has required anti-affinity terms. */
  get hasRequiredAntiAffinity(): boolean {
    return this.requiredAntiAffinityTerms.length > 0;
  }
}
