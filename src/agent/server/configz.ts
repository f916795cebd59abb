/**
 * The kubelet's /configz: {"kubeletconfig": …}, the effective KubeletConfiguration in its
 * kubelet.config.k8s.io/v1beta1 field names and order. The kubelet registers the converted struct
 * without its TypeMeta, so kind and apiVersion are not in the answer (the docs add them with jq).
 * Only the settings tskube's agent really applies are listed, with the values it uses.
 */

/** goDuration writes milliseconds as Go's time.Duration.String() does ("1m0s", "100ms", "4h0m0s"). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms) / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s = `${Number(rest.toFixed(3))}s`;
  if (h) return `${sign}${h}h${m}m${s}`;
  if (m) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

/** KubeletSettings is what the agent runs with. */
export interface KubeletSettings {
  address: string;
  port: number;
  /** the directory pods' container logs are kept under */
  podLogsDir: string;
  clusterDomain: string;
  clusterDNS: string[];
  nodeStatusUpdateMs: number;
  nodeStatusReportMs: number;
  nodeLeaseDurationSeconds: number;
  imageGC: { minAgeMs: number; highThresholdPercent: number; lowThresholdPercent: number };
  /** "cgroupfs": the agent makes kubepods/<qos>/pod<uid> directories itself */
  cgroupDriver: string;
  maxPods: number;
  /** -1: no per-pod PID limit */
  podPidsLimit: number;
  resolvConf: string;
  nodeStatusMaxImages: number;
  evictionHard: Record<string, string>;
  evictionPressureTransitionMs: number;
  /** the CRI endpoint, for the cri runtime */
  containerRuntimeEndpoint?: string;
  logging: { format: string; verbosity: number };
}

/** kubeletConfiguration renders the settings as the kubelet's v1beta1 KubeletConfiguration JSON (its field order). */
export function kubeletConfiguration(s: KubeletSettings): Record<string, unknown> {
  return {
    enableServer: true,
    podLogsDir: s.podLogsDir,
    address: s.address,
    port: s.port,
    enableDebuggingHandlers: true,
    clusterDomain: s.clusterDomain,
    clusterDNS: [...s.clusterDNS],
    nodeStatusUpdateFrequency: goDuration(s.nodeStatusUpdateMs),
    nodeStatusReportFrequency: goDuration(s.nodeStatusReportMs),
    nodeLeaseDurationSeconds: s.nodeLeaseDurationSeconds,
    imageMinimumGCAge: goDuration(s.imageGC.minAgeMs),
    imageGCHighThresholdPercent: s.imageGC.highThresholdPercent,
    imageGCLowThresholdPercent: s.imageGC.lowThresholdPercent,
    cgroupsPerQOS: true,
    cgroupDriver: s.cgroupDriver,
    maxPods: s.maxPods,
    podPidsLimit: s.podPidsLimit,
    resolvConf: s.resolvConf,
    cpuCFSQuota: true,
    cpuCFSQuotaPeriod: '100ms',
    nodeStatusMaxImages: s.nodeStatusMaxImages,
    evictionHard: Object.fromEntries(Object.entries(s.evictionHard).sort(([a], [b]) => a.localeCompare(b))),
    evictionPressureTransitionPeriod: goDuration(s.evictionPressureTransitionMs),
    configMapAndSecretChangeDetectionStrategy: 'Watch',
    logging: { format: s.logging.format, verbosity: s.logging.verbosity },
    // no /logs/ (the node's log directory): tskube's agents log to their process's output, not to files
    enableSystemLogHandler: false,
    registerNode: true,
    ...(s.containerRuntimeEndpoint ? { containerRuntimeEndpoint: s.containerRuntimeEndpoint } : {}),
  };
}

/** configz is the body of GET /configz. */
export function configz(s: KubeletSettings): string {
  return JSON.stringify({ kubeletconfig: kubeletConfiguration(s) });
}
