import type { Client } from '../../client/types.js';
import type { InformerFactory } from '../../client/informer-types.js';
import type { Clock } from '../../util/clock.js';

/** ControllerContext is what every controller constructor is given (kube-controller-manager's ControllerContext). */
export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** flags of `tskube server|up` that controllers read (node monitor grace period …) */
  options: ControllerOptions;
}

/** ControllerOptions are kube-controller-manager's flags that tskube supports, with Kubernetes' defaults. */
export interface ControllerOptions {
  /** --node-monitor-grace-period (default 40 s) */
  nodeMonitorGracePeriodMs: number;
  /** --node-monitor-period (default 5 s) */
  nodeMonitorPeriodMs: number;
  /** --node-startup-grace-period (default 1 min) */
  nodeStartupGracePeriodMs: number;
  /** --cluster-cidr (node IPAM; default 10.244.0.0/16) */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (node IPAM; default 24) */
  nodeCIDRMaskSize?: number;
  /** --allocate-node-cidrs (node IPAM; default true) */
  allocateNodeCIDRs?: boolean;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s) */
  horizontalPodAutoscalerSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min) */
  horizontalPodAutoscalerDownscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance (default 0.1) */
  horizontalPodAutoscalerTolerance?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (default 5 min) */
  horizontalPodAutoscalerCPUInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (default 30 s) */
  horizontalPodAutoscalerInitialReadinessDelayMs?: number;
  /** --resource-quota-sync-period (default 5 min) */
  resourceQuotaSyncPeriodMs?: number;
  /** --root-ca-file: the PEM of the CA the API server serves with (root-ca-cert-publisher; unset: not run) */
  rootCA?: string;
  /** --cluster-signing-cert-file and --cluster-signing-key-file: the CA that signs CertificateSigningRequests (csrsigning; unset: not run) */
  clusterSigningCA?: { cert: string; key: string };
  /** --cluster-signing-duration (default one year) */
  clusterSigningDurationMs?: number;
  /** --service-account-private-key-file: the PEM legacy token Secrets are signed with (serviceaccount-token; unset: not run) */
  serviceAccountPrivateKey?: string;
}

/** defaultControllerOptions are Kubernetes' defaults. */
export const defaultControllerOptions: ControllerOptions = {
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  nodeStartupGracePeriodMs: 60_000,
};
