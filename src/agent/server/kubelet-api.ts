/**
 * kubeletApi assembles what a node agent's server needs for the kubelet's read-only routes
 * (/pods, /configz, /stats/summary, its own /metrics) from the agent's settings, so the agent
 * passes its facts once and the server stays ignorant of how they are gathered.
 */
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Runtime } from '../../runtime/types.js';
import { loggingOptions } from '../../util/log.js';
import { DEFAULT_EVICTION_HARD, DEFAULT_PRESSURE_TRANSITION_PERIOD_MS } from '../eviction.js';
import { DEFAULT_IMAGE_GC_POLICY, type ImageGCPolicy } from '../image-gc.js';
import { LEASE_DURATION_SECONDS } from '../lease.js';
import { NODE_STATUS_MAX_IMAGES, NODE_STATUS_REPORT_MS, NODE_STATUS_UPDATE_MS } from '../node-status.js';
import { ResourceAnalyzer } from '../stats/resource-analyzer.js';
import { SummaryProvider } from '../stats/summary-provider.js';
import type { KubeletSettings } from './configz.js';
import { KubeletMetrics } from './kubelet-metrics.js';
import type { AgentServerOptions } from './server.js';

/** KubeletApiInput is what the agent knows of itself. */
export interface KubeletApiInput {
  nodeName: string;
  rootDir: string;
  runtime: Runtime;
  address: string;
  /** the server's port, known once it listens */
  port(): number;
  maxPods: number;
  clusterDNS: string[];
  clusterDomain: string;
  statusUpdateMs?: number;
  statusReportMs?: number;
  imageGC?: Partial<ImageGCPolicy>;
  resolvConf?: string;
  /** the agent's pods as it holds them */
  pods(): Pod[];
  now(): Date;
}

/** kubeletApi returns the server options for the read-only routes and the agent's own metrics registry. */
export function kubeletApi(i: KubeletApiInput): { options: Pick<AgentServerOptions, 'pods' | 'settings' | 'metrics' | 'summary' | 'stats'>; metrics: KubeletMetrics } {
  const metrics = new KubeletMetrics(i.nodeName, i.runtime);
  const analyzer = new ResourceAnalyzer({ runtime: i.runtime, now: i.now });
  const started = i.now();
  const summary = new SummaryProvider({
    nodeName: i.nodeName, rootDir: i.rootDir, analyzer, pods: i.pods, images: i.runtime.images,
    simulated: i.runtime.isolation === 'simulated', started,
  });
  const settings = (): KubeletSettings => {
    const gc = { ...DEFAULT_IMAGE_GC_POLICY, ...(i.imageGC ?? {}) };
    const logging = loggingOptions();
    const endpoint = (i.runtime as { endpoint?: unknown }).endpoint;
    return {
      address: i.address, port: i.port(), podLogsDir: path.join(i.rootDir, 'pods'),
      clusterDomain: i.clusterDomain, clusterDNS: i.clusterDNS,
      nodeStatusUpdateMs: i.statusUpdateMs ?? NODE_STATUS_UPDATE_MS, nodeStatusReportMs: i.statusReportMs ?? NODE_STATUS_REPORT_MS,
      nodeLeaseDurationSeconds: LEASE_DURATION_SECONDS,
      imageGC: { minAgeMs: gc.minAgeMs, highThresholdPercent: gc.highThresholdPercent, lowThresholdPercent: gc.lowThresholdPercent },
      cgroupDriver: 'cgroupfs', maxPods: i.maxPods, podPidsLimit: -1, resolvConf: i.resolvConf ?? '/etc/resolv.conf',
      nodeStatusMaxImages: NODE_STATUS_MAX_IMAGES, evictionHard: { ...DEFAULT_EVICTION_HARD },
      evictionPressureTransitionMs: DEFAULT_PRESSURE_TRANSITION_PERIOD_MS,
      ...(typeof endpoint === 'string' ? { containerRuntimeEndpoint: endpoint } : {}),
      logging: { format: logging.format ?? 'text', verbosity: logging.verbosity ?? 0 },
    };
  };
  return { options: { pods: i.pods, settings, metrics, summary, stats: analyzer }, metrics };
}
