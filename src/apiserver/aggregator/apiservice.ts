/**
 * The parts of an APIService the aggregator reads (apiregistration/v1 helpers): its service
 * reference, trust settings, priorities and the Available condition, with kube-aggregator's
 * SetAPIServiceCondition (the transition time moves only when the status does).
 */
import type { KubeObject } from '../../api/resource.js';
import { isObj, type Obj } from '../../api/common/obj.js';


/** ServiceReference is spec.service: where an extension API server is reached. */
export interface ServiceReference { namespace: string; name: string; port: number }

/** APIServiceCondition is one status.conditions entry. */
export interface APIServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** APIServiceInfo is the spec of an APIService, typed. */
export interface APIServiceInfo {
  name: string;
  group: string;
  version: string;
  /** undefined for a Local APIService (served by this API server) */
  service?: ServiceReference;
  /** PEM of spec.caBundle */
  caBundle?: string;
  insecureSkipTLSVerify: boolean;
  groupPriorityMinimum: number;
  versionPriority: number;
}

/** apiServiceInfo reads an APIService's spec (the port defaults to 443 as SetDefaults_ServiceReference does). */
export function apiServiceInfo(svc: KubeObject): APIServiceInfo {
  const spec: Obj = isObj(svc.spec) ? svc.spec : {};
  const s = spec.service;
  const ca = typeof spec.caBundle === 'string' && spec.caBundle ? Buffer.from(spec.caBundle, 'base64').toString('utf8') : undefined;
  return {
    name: svc.metadata?.name ?? '',
    group: typeof spec.group === 'string' ? spec.group : '',
    version: typeof spec.version === 'string' ? spec.version : '',
    service: isObj(s) ? { namespace: String(s.namespace ?? ''), name: String(s.name ?? ''), port: typeof s.port === 'number' ? s.port : 443 } : undefined,
    caBundle: ca,
    insecureSkipTLSVerify: spec.insecureSkipTLSVerify === true,
    groupPriorityMinimum: typeof spec.groupPriorityMinimum === 'number' ? spec.groupPriorityMinimum : 0,
    versionPriority: typeof spec.versionPriority === 'number' ? spec.versionPriority : 0,
  };
}

/** conditionsOf returns status.conditions (entries that are not objects dropped). */
export function conditionsOf(svc: KubeObject): APIServiceCondition[] {
  const status: Obj = isObj(svc.status) ? svc.status : {};
  return (Array.isArray(status.conditions) ? status.conditions : []).filter(isObj) as unknown as APIServiceCondition[];
}

/** availableCondition is the Available condition, if set. */
export function availableCondition(svc: KubeObject): APIServiceCondition | undefined {
  return conditionsOf(svc).find((c) => c.type === 'Available');
}

/** isAvailable is IsAPIServiceConditionTrue(Available). */
export function isAvailable(svc: KubeObject): boolean {
  return availableCondition(svc)?.status === 'True';
}

/**
 * setAPIServiceCondition puts cond into conditions (replacing the one of its type); a condition
 * whose status did not change keeps its lastTransitionTime, as kube-aggregator's helper does.
 */
export function setAPIServiceCondition(conditions: readonly APIServiceCondition[], cond: APIServiceCondition): APIServiceCondition[] {
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...conditions, cond];
  const old = conditions[i];
  const next = { ...cond, lastTransitionTime: old.status === cond.status ? old.lastTransitionTime : cond.lastTransitionTime };
  return conditions.map((c, j) => (j === i ? next : c));
}
