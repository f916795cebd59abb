/**
 * The kubelet's /metrics/resource endpoint: the node's and each container's cumulative CPU seconds
 * and working set in the Prometheus text format, each sample stamped with the time it was measured
 * (metrics-server computes CPU rates from two scrapes of it).
 */
import type { ResourceStats } from './resource-analyzer.js';

/** METRICS_CONTENT_TYPE is the Prometheus text exposition format's content type. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** goFloat writes a float as Go's strconv.FormatFloat(v, 'g', -1, 64) does (the Prometheus client's format). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const [mant, e] = v.toExponential().split('e');
  const exp = Number(e);
  // Shortest precision switches to exponent form below 1e-4 and from 1e6 on (Go's eprec of 6).
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(v);
}

/** escapeLabel escapes a label value for the text format. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** MetricFamily is one metric's HELP, TYPE and sample lines. */
export interface MetricFamily { name: string; help: string; type: 'counter' | 'gauge'; samples: string[] }

/** metricFamily starts a family with no samples. */
export function metricFamily(name: string, type: MetricFamily['type'], help: string): MetricFamily {
  return { name, help, type, samples: [] };
}

/** sortedContainers orders a collection's containers as the kubelet lists them: namespace, pod, container. */
export function sortedContainers(s: ResourceStats): ResourceStats['containers'] {
  return [...s.containers].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.container.localeCompare(b.container));
}

/** renderFamilies writes families in the Prometheus text format (leaving out empty ones when asked). */
export function renderFamilies(families: MetricFamily[], skipEmpty = false): string {
  const out: string[] = [];
  for (const f of families) {
    if (skipEmpty && !f.samples.length) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** formatResourceMetrics renders one collection as the kubelet's /metrics/resource body. */
export function formatResourceMetrics(s: ResourceStats): string {
  const ts = String(s.timestamp.getTime());
  const fam = metricFamily;
  const containerCPU = fam('container_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the container in core-seconds');
  const containerMem = fam('container_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the container in bytes');
  const containerStart = fam('container_start_time_seconds', 'gauge', '[STABLE] Start time of the container since unix epoch in seconds');
  const nodeCPU = fam('node_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the node in core-seconds');
  const nodeMem = fam('node_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the node in bytes');
  const podCPU = fam('pod_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds');
  const podMem = fam('pod_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the pod in bytes');
  const scrapeErr = fam('resource_scrape_error', 'gauge', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise');

  const containers = sortedContainers(s);
  const pods = new Map<string, { namespace: string; pod: string; cpu: number; mem: number }>();
  for (const c of containers) {
    const labels = `{container="${escapeLabel(c.container)}",namespace="${escapeLabel(c.namespace)}",pod="${escapeLabel(c.pod)}"}`;
    containerCPU.samples.push(`${containerCPU.name}${labels} ${goFloat(c.cpuSeconds)} ${ts}`);
    containerMem.samples.push(`${containerMem.name}${labels} ${goFloat(c.workingSetBytes)} ${ts}`);
    containerStart.samples.push(`${containerStart.name}${labels} ${goFloat(c.startTime.getTime() / 1000)} ${ts}`);
    const key = `${c.namespace}/${c.pod}`;
    const p = pods.get(key) ?? { namespace: c.namespace, pod: c.pod, cpu: 0, mem: 0 };
    p.cpu += c.cpuSeconds;
    p.mem += c.workingSetBytes;
    pods.set(key, p);
  }
  nodeCPU.samples.push(`${nodeCPU.name} ${goFloat(s.node.cpuSeconds)} ${ts}`);
  nodeMem.samples.push(`${nodeMem.name} ${goFloat(s.node.workingSetBytes)} ${ts}`);
  for (const p of pods.values()) {
    const labels = `{namespace="${escapeLabel(p.namespace)}",pod="${escapeLabel(p.pod)}"}`;
    podCPU.samples.push(`${podCPU.name}${labels} ${goFloat(p.cpu)} ${ts}`);
    podMem.samples.push(`${podMem.name}${labels} ${goFloat(p.mem)} ${ts}`);
  }
  scrapeErr.samples.push(`${scrapeErr.name} 0`);
  return renderFamilies([containerCPU, containerMem, containerStart, nodeCPU, nodeMem, podCPU, podMem, scrapeErr]);
}
