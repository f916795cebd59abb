/**
 * The kubelet's /metrics/cadvisor: cAdvisor's per-container series for the node's running
 * containers, labelled container, id (the container's cgroup), image, name (the runtime's
 * container id), namespace and pod, each sample stamped with the time it was measured. Only what
 * tskube measures is there: CPU time, memory (usage, working set, rss, page faults), start time,
 * process count; the pod-level and system cgroups cAdvisor also lists are not.
 */
import { escapeLabel, goFloat, metricFamily, renderFamilies, sortedContainers } from './metrics-resource.js';
import type { ResourceStats } from './resource-analyzer.js';

/** formatCadvisorMetrics renders one collection as /metrics/cadvisor's body. */
export function formatCadvisorMetrics(s: ResourceStats): string {
  const ts = String(s.timestamp.getTime());
  const fam = metricFamily;
  const cpu = fam('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.');
  const faults = fam('container_memory_failures_total', 'counter', 'Cumulative count of memory allocation failures.');
  const rss = fam('container_memory_rss', 'gauge', 'Size of RSS in bytes.');
  const usage = fam('container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed');
  const ws = fam('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.');
  const procs = fam('container_processes', 'gauge', 'Number of processes running inside the container.');
  const start = fam('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.');
  for (const c of sortedContainers(s)) {
    const base = `container="${escapeLabel(c.container)}",id="${escapeLabel(c.cgroup ?? '')}",image="${escapeLabel(c.image ?? '')}",name="${escapeLabel(c.id ?? '')}",namespace="${escapeLabel(c.namespace)}",pod="${escapeLabel(c.pod)}"`;
    cpu.samples.push(`${cpu.name}{${base}} ${goFloat(c.cpuSeconds)} ${ts}`);
    if (c.memory?.pageFaults !== undefined) {
      // cAdvisor's failure_type/scope pairs: pgfault and pgmajfault, for the container and its hierarchy
      for (const [type, v] of [['pgfault', c.memory.pageFaults], ['pgmajfault', c.memory.majorPageFaults ?? 0]] as const) {
        for (const scope of ['container', 'hierarchy']) {
          faults.samples.push(`${faults.name}{${base.replace(',id=', `,failure_type="${type}",id=`)},scope="${scope}"} ${goFloat(v)} ${ts}`);
        }
      }
    }
    if (c.memory?.rssBytes !== undefined) rss.samples.push(`${rss.name}{${base}} ${goFloat(c.memory.rssBytes)} ${ts}`);
    if (c.memory?.usageBytes !== undefined) usage.samples.push(`${usage.name}{${base}} ${goFloat(c.memory.usageBytes)} ${ts}`);
    ws.samples.push(`${ws.name}{${base}} ${goFloat(c.workingSetBytes)} ${ts}`);
    if (c.processCount !== undefined) procs.samples.push(`${procs.name}{${base}} ${goFloat(c.processCount)} ${ts}`);
    start.samples.push(`${start.name}{${base}} ${goFloat(c.startTime.getTime() / 1000)} ${ts}`);
  }
  return renderFamilies([cpu, faults, rss, usage, ws, procs, start], true);
}
