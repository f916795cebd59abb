/**
 * HorizontalPodAutoscaler conversion between autoscaling/v1 and autoscaling/v2 (the storage
 * version). As in Kubernetes, what v1 cannot express (other metrics, behavior, conditions, current
 * metrics) travels in `autoscaling.alpha.kubernetes.io/*` annotations so a round trip loses nothing.
 */
import type { KubeObject } from '../resource.js';
import { clone, isObj, type Obj } from '../common/obj.js';

/** Annotation keys that carry v2-only fields on v1 objects. */
export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';

/** DEFAULT_CPU_UTILIZATION is the target when an HPA names no metrics. */
export const DEFAULT_CPU_UTILIZATION = 80;

function versionOf(obj: KubeObject): 'v1' | 'v2' {
  return obj.apiVersion === 'autoscaling/v1' ? 'v1' : 'v2';
}

function isCPUUtilization(m: Obj): boolean {
  return m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization';
}

function takeJSON(annotations: Obj, key: string): unknown {
  const raw = annotations[key];
  delete annotations[key];
  if (typeof raw !== 'string') return undefined;
  try { return JSON.parse(raw); } catch { return undefined; }
}

function toV1(obj: KubeObject): KubeObject {
  const out = clone(obj) as Obj;
  out.apiVersion = 'autoscaling/v1';
  const meta: Obj = (out.metadata ??= {});
  const annotations: Obj = { ...(meta.annotations ?? {}) };
  const spec: Obj = isObj(out.spec) ? out.spec : {};
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const v1spec: Obj = { scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };
  const cpu = metrics.find(isCPUUtilization);
  if (cpu) v1spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  const others = metrics.filter((m) => !isCPUUtilization(m));
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  out.spec = stripUndefined(v1spec);
  if (isObj(out.status)) {
    const st: Obj = out.status;
    const v1st: Obj = {
      observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime,
      currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas ?? 0,
    };
    const current: Obj[] = Array.isArray(st.currentMetrics) ? st.currentMetrics : [];
    const cpuNow = current.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu');
    if (cpuNow?.resource?.current?.averageUtilization !== undefined) v1st.currentCPUUtilizationPercentage = cpuNow.resource.current.averageUtilization;
    const otherNow = current.filter((m) => m !== cpuNow);
    if (otherNow.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherNow);
    if (Array.isArray(st.conditions) && st.conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
    out.status = stripUndefined(v1st);
  }
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  return out as KubeObject;
}

function toV2(obj: KubeObject): KubeObject {
  const out = clone(obj) as Obj;
  out.apiVersion = 'autoscaling/v2';
  const meta: Obj = (out.metadata ??= {});
  const annotations: Obj = { ...(meta.annotations ?? {}) };
  const spec: Obj = isObj(out.spec) ? out.spec : {};
  const v2spec: Obj = { scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };
  const others = takeJSON(annotations, METRICS_ANNOTATION);
  const metrics: Obj[] = Array.isArray(others) ? others : [];
  if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (metrics.length) v2spec.metrics = metrics;
  const behavior = takeJSON(annotations, BEHAVIOR_ANNOTATION);
  if (behavior) v2spec.behavior = behavior;
  out.spec = stripUndefined(v2spec);
  const conditions = takeJSON(annotations, CONDITIONS_ANNOTATION);
  const currentOthers = takeJSON(annotations, CURRENT_METRICS_ANNOTATION);
  if (isObj(out.status)) {
    const st: Obj = out.status;
    const current: Obj[] = Array.isArray(currentOthers) ? currentOthers : [];
    if (st.currentCPUUtilizationPercentage !== undefined && st.currentCPUUtilizationPercentage !== null) {
      current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } });
    }
    const v2st: Obj = {
      observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime,
      // v2's currentReplicas is omitempty, v1's is not
      currentReplicas: st.currentReplicas || undefined, desiredReplicas: st.desiredReplicas ?? 0,
      currentMetrics: current.length ? current : null,
    };
    if (Array.isArray(conditions)) v2st.conditions = conditions;
    out.status = stripUndefined(v2st);
  }
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  return out as KubeObject;
}

function stripUndefined(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** convertHPA converts an HPA (of either version, per its apiVersion) to `toVersion`. */
export function convertHPA(obj: KubeObject, toVersion: 'v1' | 'v2'): KubeObject {
  const from = versionOf(obj);
  if (from === toVersion) return { ...clone(obj), apiVersion: `autoscaling/${toVersion}` };
  return toVersion === 'v1' ? toV1(obj) : toV2(obj);
}
