/**
 * Fluent builders for the pods and nodes of scheduler tests (pkg/scheduler/testing's st.MakePod()
 * and st.MakeNode()): `makePod().name('p').req({ cpu: '1' }).obj()`.
 */
import type { Node, NodeSelectorRequirement, Pod, PodAffinityTerm, ResourceList, Taint, Toleration, TopologySpreadConstraint } from '../framework/api.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import { PodInfo } from '../framework/pod-info.js';
import { NodeInfo } from '../framework/node-info.js';

/** PodWrapper builds a Pod. */
export class PodWrapper {
  private readonly p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: '', namespace: 'default' }, spec: { containers: [] }, status: {} };

  private get spec() { return this.p.spec!; }
  private get md() { return this.p.metadata!; }

  /** obj returns the pod. */
  obj(): Pod { return this.p; }
  /** info wraps the pod in a PodInfo. */
  info(): PodInfo { return new PodInfo(this.p); }

  name(n: string): this { this.md.name = n; this.md.uid ??= `uid-${n}`; return this; }
  namespace(ns: string): this { this.md.namespace = ns; return this; }
  uid(u: string): this { this.md.uid = u; return this; }
  label(k: string, v: string): this { (this.md.labels ??= {})[k] = v; return this; }
  labels(l: Record<string, string>): this { this.md.labels = { ...(this.md.labels ?? {}), ...l }; return this; }
  creationTimestamp(t: string): this { this.md.creationTimestamp = t; return this; }
  terminating(): this { this.md.deletionTimestamp = '2026-01-01T00:00:00Z'; return this; }
  ownerReference(kind: string, name: string, uid = `uid-${name}`, apiVersion = 'apps/v1'): this {
    (this.md.ownerReferences ??= []).push({ apiVersion, kind, name, uid, controller: true });
    return this;
  }
  node(n: string): this { this.spec.nodeName = n; return this; }
  schedulerName(n: string): this { this.spec.schedulerName = n; return this; }
  priority(p: number): this { this.spec.priority = p; return this; }
  preemptionPolicy(p: string): this { this.spec.preemptionPolicy = p; return this; }
  nominatedNodeName(n: string): this { this.p.status!.nominatedNodeName = n; return this; }
  phase(ph: string): this { this.p.status!.phase = ph; return this; }
  startTime(t: string): this { this.p.status!.startTime = t; return this; }
  /** container adds a container running image */
  container(image: string): this { this.spec.containers!.push({ name: `c${this.spec.containers!.length}`, image }); return this; }
  /** req adds a container with these requests */
  req(r: ResourceList): this {
    this.spec.containers!.push({ name: `c${this.spec.containers!.length}`, image: 'busybox', resources: { requests: { ...r } } });
    return this;
  }
  /** initReq adds an init container with these requests (restartPolicy Always makes it a sidecar) */
  initReq(r: ResourceList, restartPolicy?: string): this {
    (this.spec.initContainers ??= []).push({ name: `i${this.spec.initContainers?.length ?? 0}`, image: 'busybox', resources: { requests: { ...r } }, ...(restartPolicy ? { restartPolicy } : {}) });
    return this;
  }
  overhead(r: ResourceList): this { this.spec.overhead = r; return this; }
  /** hostPort adds a container port bound on the node */
  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    this.spec.containers!.push({ name: `c${this.spec.containers!.length}`, image: 'busybox', ports: [{ containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) }] });
    return this;
  }
  toleration(t: Toleration): this { (this.spec.tolerations ??= []).push(t); return this; }
  nodeSelector(s: Record<string, string>): this { this.spec.nodeSelector = s; return this; }
  /** nodeAffinity adds a required term (ORed with the others) */
  nodeAffinity(matchExpressions: NodeSelectorRequirement[], matchFields?: NodeSelectorRequirement[]): this {
    const na = ((this.spec.affinity ??= {}).nodeAffinity ??= {});
    const req = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    req.nodeSelectorTerms!.push({ ...(matchExpressions.length ? { matchExpressions } : {}), ...(matchFields ? { matchFields } : {}) });
    return this;
  }
  nodeAffinityIn(key: string, values: string[]): this { return this.nodeAffinity([{ key, operator: 'In', values }]); }
  preferredNodeAffinity(weight: number, matchExpressions: NodeSelectorRequirement[]): this {
    const na = ((this.spec.affinity ??= {}).nodeAffinity ??= {});
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, preference: { matchExpressions } });
    return this;
  }
  private term(topologyKey: string, selector: LabelSelectorSpec, namespaces?: string[]): PodAffinityTerm {
    return { labelSelector: selector, topologyKey, ...(namespaces ? { namespaces } : {}) };
  }
  podAffinity(topologyKey: string, selector: LabelSelectorSpec): this {
    const pa = ((this.spec.affinity ??= {}).podAffinity ??= {});
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(this.term(topologyKey, selector));
    return this;
  }
  podAntiAffinity(topologyKey: string, selector: LabelSelectorSpec): this {
    const pa = ((this.spec.affinity ??= {}).podAntiAffinity ??= {});
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(this.term(topologyKey, selector));
    return this;
  }
  preferredPodAffinity(weight: number, topologyKey: string, selector: LabelSelectorSpec): this {
    const pa = ((this.spec.affinity ??= {}).podAffinity ??= {});
    (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: this.term(topologyKey, selector) });
    return this;
  }
  preferredPodAntiAffinity(weight: number, topologyKey: string, selector: LabelSelectorSpec): this {
    const pa = ((this.spec.affinity ??= {}).podAntiAffinity ??= {});
    (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: this.term(topologyKey, selector) });
    return this;
  }
  spreadConstraint(maxSkew: number, topologyKey: string, whenUnsatisfiable: string, selector: LabelSelectorSpec, extra: Partial<TopologySpreadConstraint> = {}): this {
    (this.spec.topologySpreadConstraints ??= []).push({ maxSkew, topologyKey, whenUnsatisfiable, labelSelector: selector, ...extra });
    return this;
  }
  schedulingGates(names: string[]): this { this.spec.schedulingGates = names.map((name) => ({ name })); return this; }
  pvc(claimName: string): this { (this.spec.volumes ??= []).push({ name: claimName, persistentVolumeClaim: { claimName } }); return this; }
}

/** makePod starts a pod builder. */
export function makePod(): PodWrapper {
  return new PodWrapper();
}

/** NodeWrapper builds a Node. */
export class NodeWrapper {
  private readonly n: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: '' }, spec: {}, status: { allocatable: {}, capacity: {} } };

  /** obj returns the node. */
  obj(): Node { return this.n; }
  /** info builds a NodeInfo with these pods on the node. */
  info(...pods: Pod[]): NodeInfo {
    const ni = new NodeInfo(...pods.map((p) => new PodInfo(p)));
    ni.setNode(this.n);
    return ni;
  }

  name(name: string): this {
    this.n.metadata!.name = name;
    this.n.metadata!.uid = `uid-${name}`;
    (this.n.metadata!.labels ??= {})['kubernetes.io/hostname'] = name;
    return this;
  }
  label(k: string, v: string): this { (this.n.metadata!.labels ??= {})[k] = v; return this; }
  /** capacity sets allocatable and capacity */
  capacity(r: ResourceList): this { this.n.status!.allocatable = { ...r }; this.n.status!.capacity = { ...r }; return this; }
  taints(t: Taint[]): this { this.n.spec!.taints = t; return this; }
  unschedulable(u = true): this { this.n.spec!.unschedulable = u; return this; }
  /** images sets status.images from name → size in bytes */
  images(m: Record<string, number>): this { this.n.status!.images = Object.entries(m).map(([name, sizeBytes]) => ({ names: [name], sizeBytes })); return this; }
}

/** makeNode starts a node builder. */
export function makeNode(): NodeWrapper {
  return new NodeWrapper();
}
