/**
 * Pod and pod-template defaulting as Kubernetes 1.32's v1 defaulters do (SetDefaults_PodSpec,
 * SetDefaults_Container, SetDefaults_Probe, SetDefaults_Volume...), plus the create-time admission
 * defaults for Pods (ServiceAccount, Priority, DefaultTolerationSeconds) and the QoS class.
 */
import { isObj, type Obj } from '../common/obj.js';
import { canonicalizeQuantity, tryParseQuantity } from '../../apimachinery/quantity.js';
import type { AdmissionConfig } from '../resource.js';

/** DEFAULT_FILE_MODE is 0644, the defaultMode of configMap/secret/projected/downwardAPI volumes. */
export const DEFAULT_FILE_MODE = 420;

/** imagePullPolicyFor: Always for `:latest` or untagged images, else IfNotPresent. */
export function imagePullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= lastSlash) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  if (h.path === undefined || h.path === '') h.path = '/';
  if (h.scheme === undefined || h.scheme === '') h.scheme = 'HTTP';
}

function defaultHandler(h: unknown): void {
  if (!isObj(h)) return;
  defaultHTTPGet(h.httpGet);
}

/**
 * defaultProbe fills timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3.
 * 0 counts as unset, as in SetDefaults_Probe: Go clients send the zero value (protobuf always does).
 */
export function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHandler(p);
  if (isObj(p.grpc)) p.grpc.service ??= '';
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
}

/** defaultContainer applies SetDefaults_Container and friends to one container. */
export function defaultContainer(c: Obj, hostNetwork: boolean): void {
  if (typeof c.image === 'string' && c.image && !c.imagePullPolicy) c.imagePullPolicy = imagePullPolicyFor(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (!isObj(c.resources)) c.resources = {};
  // Quantities are stored as Kubernetes serializes them (`cpu: "0.5"` reads back as `500m`).
  for (const list of [c.resources.limits, c.resources.requests]) {
    if (!isObj(list)) continue;
    for (const [k, v] of Object.entries(list)) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      try { list[k] = canonicalizeQuantity(v); } catch { /* left for validation */ }
    }
  }
  if (Array.isArray(c.ports)) {
    for (const p of c.ports as Obj[]) {
      if (!isObj(p)) continue;
      if (!p.protocol) p.protocol = 'TCP';
      if (hostNetwork && p.hostPort === undefined && p.containerPort !== undefined) p.hostPort = p.containerPort;
    }
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
  if (isObj(c.lifecycle)) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
  if (Array.isArray(c.env)) {
    for (const e of c.env as Obj[]) if (isObj(e) && isObj(e.valueFrom)) defaultFieldRef(e.valueFrom.fieldRef);
  }
}

/** defaultVolume fills emptyDir when no source is set, and file modes of projected sources. */
export function defaultVolume(v: Obj): void {
  const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    if (isObj(v[k]) && v[k].defaultMode === undefined) v[k].defaultMode = DEFAULT_FILE_MODE;
  }
  if (isObj(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = '';
  if (isObj(v.downwardAPI) && Array.isArray(v.downwardAPI.items)) {
    for (const it of v.downwardAPI.items as Obj[]) defaultFieldRef(it?.fieldRef);
  }
  if (isObj(v.projected) && Array.isArray(v.projected.sources)) {
    for (const s of v.projected.sources as Obj[]) {
      if (isObj(s?.downwardAPI) && Array.isArray(s.downwardAPI.items)) for (const it of s.downwardAPI.items as Obj[]) defaultFieldRef(it?.fieldRef);
      if (isObj(s?.serviceAccountToken)) s.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  if (isObj(v.iscsi)) v.iscsi.iscsiInterface ??= 'default';
  if (isObj(v.rbd)) { v.rbd.pool ??= 'rbd'; v.rbd.user ??= 'admin'; v.rbd.keyring ??= '/etc/ceph/keyring'; }
  if (isObj(v.azureDisk)) { v.azureDisk.cachingMode ??= 'ReadWrite'; v.azureDisk.fsType ??= 'ext4'; v.azureDisk.readOnly ??= false; v.azureDisk.kind ??= 'Shared'; }
}

/** defaultPodSpec applies SetDefaults_PodSpec to a pod's or a template's spec. */
export function defaultPodSpec(spec: Obj): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  if (spec.restartPolicy === '') spec.restartPolicy = 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  spec.schedulerName ??= 'default-scheduler';
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  else if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  const hostNetwork = spec.hostNetwork === true;
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    if (Array.isArray(spec[list])) for (const c of spec[list] as Obj[]) if (isObj(c)) defaultContainer(c, hostNetwork);
  }
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes as Obj[]) if (isObj(v)) defaultVolume(v);
}

/** defaultPodTemplate defaults a template (metadata creationTimestamp null, as Kubernetes serializes it). */
export function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  if (!isObj(template.metadata)) template.metadata = {};
  if (template.metadata.creationTimestamp === undefined) template.metadata.creationTimestamp = null;
  if (!isObj(template.spec)) template.spec = {};
  defaultPodSpec(template.spec);
}

/** defaultPod applies SetDefaults_Pod: the spec defaults, enableServiceLinks, requests from limits. */
export function defaultPod(pod: Obj): void {
  if (!isObj(pod.spec)) pod.spec = {};
  const spec = pod.spec as Obj;
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  for (const list of ['initContainers', 'containers']) {
    if (!Array.isArray(spec[list])) continue;
    for (const c of spec[list] as Obj[]) {
      if (!isObj(c) || !isObj(c.resources) || !isObj(c.resources.limits)) continue;
      const req = isObj(c.resources.requests) ? c.resources.requests : {};
      for (const [k, v] of Object.entries(c.resources.limits)) if (req[k] === undefined) req[k] = v;
      c.resources.requests = req;
    }
  }
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** PRIORITY_DEFAULTED holds the pod specs whose priority admitPodDefaults filled in (not the user). */
export const PRIORITY_DEFAULTED = new WeakSet<object>();
/** PREEMPTION_POLICY_DEFAULTED holds the pod specs whose preemptionPolicy admitPodDefaults filled in. */
export const PREEMPTION_POLICY_DEFAULTED = new WeakSet<object>();

/**
 * admitPodDefaults applies the create-time admission defaults kube-apiserver adds to every Pod:
 * ServiceAccount (default), Priority (0, PreemptLowerPriority) and DefaultTolerationSeconds (300 s,
 * or the API server's --default-not-ready/unreachable-toleration-seconds).
 */
export function admitPodDefaults(pod: Obj, admission: AdmissionConfig = {}): void {
  const spec = pod.spec as Obj;
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  // The Priority admission plugin (admission/plugins/priority.ts) replaces these from the pod's PriorityClass;
  // it must know they were not the user's.
  if (spec.priority === undefined || spec.priority === null) { spec.priority = 0; PRIORITY_DEFAULTED.add(spec); }
  if (spec.preemptionPolicy === undefined || spec.preemptionPolicy === null) { spec.preemptionPolicy = 'PreemptLowerPriority'; PREEMPTION_POLICY_DEFAULTED.add(spec); }
  const tolerations: Obj[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const tolerates = (key: string) => tolerations.some((t) => isObj(t) &&
    ((t.operator === 'Exists' && !t.key && (!t.effect || t.effect === 'NoExecute')) ||
      (t.key === key && (!t.effect || t.effect === 'NoExecute'))));
  const add: Obj[] = [];
  const notReadySeconds = admission.defaultNotReadyTolerationSeconds ?? 300;
  const unreachableSeconds = admission.defaultUnreachableTolerationSeconds ?? 300;
  if (!tolerates(NOT_READY)) add.push({ key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReadySeconds });
  if (!tolerates(UNREACHABLE)) add.push({ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachableSeconds });
  if (add.length) spec.tolerations = [...tolerations, ...add];
}

/** podQOSClass computes status.qosClass from the containers' requests and limits (cpu, memory). */
export function podQOSClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Obj[] = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req: Obj = isObj(c?.resources?.requests) ? c.resources.requests : {};
    const lim: Obj = isObj(c?.resources?.limits) ? c.resources.limits : {};
    for (const r of ['cpu', 'memory']) {
      const rq = tryParseQuantity(req[r]);
      const lm = tryParseQuantity(lim[r]);
      if ((rq !== undefined && rq !== 0) || (lm !== undefined && lm !== 0)) any = true;
      if (lm === undefined || (rq !== undefined && rq !== lm)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
