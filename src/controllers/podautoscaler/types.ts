/** The autoscaling/v2 and metrics.k8s.io shapes the HPA controller reads and writes. */
import type { PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import type { ResourceRef } from '../../client/types.js';

/** Pod is a core/v1 Pod as the cache holds it. */
export interface Pod extends KubeObject { spec?: PodSpec; status?: PodStatus }

/** MetricTarget is a metric's target: Utilization (percent of requests), AverageValue or Value. */
export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

/** MetricSpec is one entry of spec.metrics. */
export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External' | string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: { name: string }; target: MetricTarget };
  object?: { metric: { name: string }; describedObject: { kind: string; name: string; apiVersion?: string }; target: MetricTarget };
  external?: { metric: { name: string }; target: MetricTarget };
}

/** MetricValueStatus is a metric's current value. */
export interface MetricValueStatus { averageUtilization?: number; averageValue?: string; value?: string }

/** MetricStatus is one entry of status.currentMetrics (type '' for a metric that could not be computed, as Go's zero value). */
export interface MetricStatus {
  type: string;
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
}

/** HPAScalingPolicy is one scaling policy: change by Pods or Percent within periodSeconds. */
export interface HPAScalingPolicy { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }

/** HPAScalingRules configure one direction of scaling. */
export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HPAScalingPolicy[];
}

/** HPACondition is one of AbleToScale, ScalingActive, ScalingLimited. */
export interface HPACondition {
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** HPASpec is autoscaling/v2 HorizontalPodAutoscalerSpec. */
export interface HPASpec {
  scaleTargetRef: { apiVersion?: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules };
}

/** HPAStatus is autoscaling/v2 HorizontalPodAutoscalerStatus. */
export interface HPAStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[] | null;
  conditions?: HPACondition[];
}

/** HPA is an autoscaling/v2 HorizontalPodAutoscaler. */
export interface HPA extends KubeObject {
  spec: HPASpec;
  status?: HPAStatus;
}

/** Scale is autoscaling/v1 Scale, the view every scalable resource gives through /scale. */
export interface Scale extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** PodMetrics is a metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics extends KubeObject {
  timestamp: string;
  window: string;
  containers: { name: string; usage: Record<string, string> }[];
}

/** podMetricsResource is where PodMetrics are listed. */
export const podMetricsResource: ResourceRef = { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', namespaced: true };
