import { InvalidArgumentError, type Command } from 'commander';
import type { AdmissionConfig } from '../api/resource.js';
import { defaultControllerOptions, type ControllerOptions } from '../controllers/common/context.js';
import { formatCIDR, parseCIDR } from '../network/cidr.js';
import { parseServiceClusterIPRange, parseServiceNodePortRange } from '../network/service-ranges.js';
import { loadConfigFile } from '../scheduler/apis/load.js';
import type { KubeSchedulerConfiguration } from '../scheduler/apis/types.js';

/** ClusterFlags are the kube-controller-manager and kube-apiserver flags `tskube up|server` accept, as commander parsed them. */
export interface ClusterFlags {
  nodeMonitorPeriod?: number;
  nodeMonitorGracePeriod?: number;
  nodeStartupGracePeriod?: number;
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  clusterCidr?: string;
  nodeCidrMaskSize?: number;
  allocateNodeCidrs?: boolean;
  /** --scheduler-config: the kube-scheduler configuration file, loaded and validated */
  schedulerConfig?: KubeSchedulerConfiguration;
  horizontalPodAutoscalerSyncPeriod?: number;
  horizontalPodAutoscalerDownscaleStabilization?: number;
  horizontalPodAutoscalerTolerance?: number;
  horizontalPodAutoscalerCpuInitializationPeriod?: number;
  horizontalPodAutoscalerInitialReadinessDelay?: number;
  resourceQuotaSyncPeriod?: number;
  clusterSigningDuration?: number;
  /** kube-apiserver's --service-cluster-ip-range (canonical CIDR) and --service-node-port-range ("low-high") */
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * parseDuration reads a Go duration ("40s", "1m30s", "500ms", "1.5h", "0") into milliseconds, as
 * time.ParseDuration does; anything else is `time: invalid duration "x"`.
 */
export function parseDuration(s: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid();
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest) {
    const m = re.exec(rest);
    if (!m && /^(\d+(\.\d*)?|\.\d+)$/.test(rest)) throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`);
    if (!m) throw invalid();
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

function durationArg(v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function secondsArg(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function cidrArg(v: string): string {
  try {
    return formatCIDR(parseCIDR(v));
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function maskSizeArg(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 32) throw new InvalidArgumentError(`invalid mask size ${JSON.stringify(v)}: want 0..32`);
  return Number(v);
}

function floatArg(v: string): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  return n;
}

function schedulerConfigArg(v: string): KubeSchedulerConfiguration {
  try {
    return loadConfigFile(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** checked turns a parser's error into commander's invalid-argument error (Kubernetes' message kept). */
const checked = (parse: (v: string) => string) => (v: string): string => {
  try {
    return parse(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

function boolArg(v: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new InvalidArgumentError(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** addClusterFlags adds the node lifecycle and DefaultTolerationSeconds flags (Kubernetes' names and defaults) to a command. */
export function addClusterFlags(cmd: Command): Command {
  return cmd
    .option('--node-monitor-period <duration>', 'how often node health is checked (default 5s)', durationArg)
    .option('--node-monitor-grace-period <duration>', 'how long a node may stop posting status before it is marked Unknown (default 40s)', durationArg)
    .option('--node-startup-grace-period <duration>', 'the same for a node that never posted status (default 1m0s)', durationArg)
    .option('--default-not-ready-toleration-seconds <seconds>', 'tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to every pod (default 300)', secondsArg)
    .option('--default-unreachable-toleration-seconds <seconds>', 'tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added to every pod (default 300)', secondsArg)
    .option('--cluster-cidr <cidr>', 'CIDR range of pod addresses; each node gets a subnet of it as spec.podCIDR (default 10.244.0.0/16)', cidrArg)
    .option('--node-cidr-mask-size <size>', 'mask size of the subnet each node gets from --cluster-cidr (default 24)', maskSizeArg)
    .option('--allocate-node-cidrs <bool>', 'give nodes pod CIDRs from --cluster-cidr (default true)', boolArg)
    .option('--service-cluster-ip-range <cidr>', 'CIDR range Services get cluster IPs from; the kubernetes Service takes its first address, cluster DNS its tenth (default 10.96.0.0/12)', checked(parseServiceClusterIPRange))
    .option('--service-node-port-range <range>', 'port range NodePort Services get ports from, "low-high" or "low+offset" (default 30000-32767)', checked(parseServiceNodePortRange))
    .option('--scheduler-config <file>', 'KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1): scheduler profiles, plugins and score weights (kube-scheduler --config)', schedulerConfigArg)
    .option('--horizontal-pod-autoscaler-sync-period <duration>', 'how often the horizontal pod autoscaler reconciles each HPA (default 15s)', durationArg)
    .option('--horizontal-pod-autoscaler-downscale-stabilization <duration>', 'how far back the autoscaler looks for a higher recommendation before scaling down (default 5m0s)', durationArg)
    .option('--horizontal-pod-autoscaler-tolerance <float>', 'the minimum change of the usage ratio for the autoscaler to act (default 0.1)', floatArg)
    .option('--horizontal-pod-autoscaler-cpu-initialization-period <duration>', 'after a pod starts, how long its CPU samples are skipped unless it is ready (default 5m0s)', durationArg)
    .option('--horizontal-pod-autoscaler-initial-readiness-delay <duration>', 'after a pod starts, how long readiness changes count as its first readiness (default 30s)', durationArg)
    .option('--resource-quota-sync-period <duration>', 'how often every ResourceQuota\'s usage is recounted in full (default 5m0s)', durationArg)
    .option('--cluster-signing-duration <duration>', 'the longest a certificate signed for a CertificateSigningRequest is valid (default 8760h0m0s)', durationArg);
}

/** controllerOptionsFrom turns the flags into controller options (Kubernetes' defaults for what was not given). */
export function controllerOptionsFrom(f: ClusterFlags): ControllerOptions {
  return {
    ...defaultControllerOptions,
    ...(f.nodeMonitorPeriod !== undefined ? { nodeMonitorPeriodMs: f.nodeMonitorPeriod } : {}),
    ...(f.nodeMonitorGracePeriod !== undefined ? { nodeMonitorGracePeriodMs: f.nodeMonitorGracePeriod } : {}),
    ...(f.nodeStartupGracePeriod !== undefined ? { nodeStartupGracePeriodMs: f.nodeStartupGracePeriod } : {}),
    ...(f.clusterCidr !== undefined ? { clusterCIDR: f.clusterCidr } : {}),
    ...(f.nodeCidrMaskSize !== undefined ? { nodeCIDRMaskSize: f.nodeCidrMaskSize } : {}),
    ...(f.allocateNodeCidrs !== undefined ? { allocateNodeCIDRs: f.allocateNodeCidrs } : {}),
    ...(f.horizontalPodAutoscalerSyncPeriod !== undefined ? { horizontalPodAutoscalerSyncPeriodMs: f.horizontalPodAutoscalerSyncPeriod } : {}),
    ...(f.horizontalPodAutoscalerDownscaleStabilization !== undefined ? { horizontalPodAutoscalerDownscaleStabilizationMs: f.horizontalPodAutoscalerDownscaleStabilization } : {}),
    ...(f.horizontalPodAutoscalerTolerance !== undefined ? { horizontalPodAutoscalerTolerance: f.horizontalPodAutoscalerTolerance } : {}),
    ...(f.horizontalPodAutoscalerCpuInitializationPeriod !== undefined ? { horizontalPodAutoscalerCPUInitializationPeriodMs: f.horizontalPodAutoscalerCpuInitializationPeriod } : {}),
    ...(f.horizontalPodAutoscalerInitialReadinessDelay !== undefined ? { horizontalPodAutoscalerInitialReadinessDelayMs: f.horizontalPodAutoscalerInitialReadinessDelay } : {}),
    ...(f.resourceQuotaSyncPeriod !== undefined ? { resourceQuotaSyncPeriodMs: f.resourceQuotaSyncPeriod } : {}),
    ...(f.clusterSigningDuration !== undefined ? { clusterSigningDurationMs: f.clusterSigningDuration } : {}),
  };
}

/** admissionConfigFrom turns the flags into the API server's admission settings. */
export function admissionConfigFrom(f: ClusterFlags): AdmissionConfig {
  return {
    ...(f.defaultNotReadyTolerationSeconds !== undefined ? { defaultNotReadyTolerationSeconds: f.defaultNotReadyTolerationSeconds } : {}),
    ...(f.defaultUnreachableTolerationSeconds !== undefined ? { defaultUnreachableTolerationSeconds: f.defaultUnreachableTolerationSeconds } : {}),
  };
}
