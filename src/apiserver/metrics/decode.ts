/**
 * Decoding a node agent's /metrics/resource (the Prometheus text format) into metric points, as
 * metrics-server's resource decoder does: node_cpu_usage_seconds_total and
 * node_memory_working_set_bytes for the node; container_cpu_usage_seconds_total,
 * container_memory_working_set_bytes and container_start_time_seconds per container.
 */
import type { MetricsPoint } from './storage.js';

/** Sample is one line of the text format: a metric name, its labels, value and optional timestamp (ms). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

/** parseSample reads one sample line; undefined for comments, blank or malformed lines. */
export function parseSample(line: string): Sample | undefined {
  const s = line.trim();
  if (!s || s.startsWith('#')) return undefined;
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(s);
  if (!m) return undefined;
  const name = m[1];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (s[pos] === '{') {
    pos++;
    for (;;) {
      while (s[pos] === ' ' || s[pos] === ',') pos++;
      if (s[pos] === '}') { pos++; break; }
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(s.slice(pos));
      if (!lm) return undefined;
      pos += lm[0].length;
      let value = '';
      for (;;) {
        const c = s[pos++];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === '\\') {
          const e = s[pos++];
          value += e === 'n' ? '\n' : e ?? '';
        } else value += c;
      }
      labels[lm[1]] = value;
    }
  }
  const rest = s.slice(pos).trim().split(/\s+/);
  if (rest.length < 1 || rest[0] === '') return undefined;
  const value = parseValue(rest[0]);
  if (value === undefined) return undefined;
  const ts = rest[1] !== undefined ? Number(rest[1]) : undefined;
  if (ts !== undefined && !Number.isFinite(ts)) return undefined;
  return { name, labels, value, ...(ts !== undefined ? { timestamp: ts } : {}) };
}

function parseValue(v: string): number | undefined {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

/** NodeBatch is what one node's scrape gives: its own point (when complete) and its pods' container points. */
export interface NodeBatch {
  node?: MetricsPoint;
  /** by "namespace/pod", then container name */
  pods: Map<string, Map<string, MetricsPoint>>;
}

/**
 * decodeResourceMetrics turns a /metrics/resource body into points; samples without a timestamp
 * take scrapeTime. A node or container point lacking its CPU or memory sample is left out (a
 * half-read point would look like no usage). Unlike metrics-server, a zero value is kept: its zeros
 * come from cAdvisor meaning "not measured yet", while an agent reports only what it measured (and
 * simulated nodes report zero on purpose).
 */
export function decodeResourceMetrics(text: string, scrapeTime: number): NodeBatch {
  const node: Partial<MetricsPoint> = {};
  const containers = new Map<string, { ns: string; pod: string; c: string; p: Partial<MetricsPoint> }>();
  const container = (l: Record<string, string>) => {
    const key = `${l.namespace ?? ''}/${l.pod ?? ''}/${l.container ?? ''}`;
    let e = containers.get(key);
    if (!e) containers.set(key, (e = { ns: l.namespace ?? '', pod: l.pod ?? '', c: l.container ?? '', p: {} }));
    return e.p;
  };
  for (const line of text.split('\n')) {
    const s = parseSample(line);
    if (!s || !Number.isFinite(s.value)) continue;
    const ts = s.timestamp ?? scrapeTime;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total': node.cpuSeconds = s.value; node.timestamp = ts; break;
      case 'node_memory_working_set_bytes': node.memoryBytes = s.value; node.timestamp = ts; break;
      case 'container_cpu_usage_seconds_total': { const p = container(s.labels); p.cpuSeconds = s.value; p.timestamp = ts; break; }
      case 'container_memory_working_set_bytes': { const p = container(s.labels); p.memoryBytes = s.value; p.timestamp = ts; break; }
      case 'container_start_time_seconds': container(s.labels).startTime = Math.round(s.value * 1000); break;
      default: break;
    }
  }
  const out: NodeBatch = { pods: new Map() };
  if (node.timestamp !== undefined && node.cpuSeconds !== undefined && node.memoryBytes !== undefined) {
    out.node = { startTime: 0, timestamp: node.timestamp, cpuSeconds: node.cpuSeconds, memoryBytes: node.memoryBytes };
  }
  for (const { ns, pod, c, p } of containers.values()) {
    if (!ns || !pod || !c || p.timestamp === undefined || p.cpuSeconds === undefined || p.memoryBytes === undefined) continue;
    const key = `${ns}/${pod}`;
    let m = out.pods.get(key);
    if (!m) out.pods.set(key, (m = new Map()));
    m.set(c, { startTime: p.startTime ?? 0, timestamp: p.timestamp, cpuSeconds: p.cpuSeconds, memoryBytes: p.memoryBytes });
  }
  return out;
}
