/**
 * Scraping node agents' /metrics/resource, as metrics-server scrapes kubelets: every node at once,
 * each with a deadline, one batch per round.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeObject } from '../../api/resource.js';
import type { NodeEndpoint } from '../node-proxy.js';
import { decodeResourceMetrics } from './decode.js';
import type { MetricsBatch } from './storage.js';

/** FetchMetrics gets one agent's /metrics/resource body. */
export type FetchMetrics = (ep: NodeEndpoint, signal: AbortSignal) => Promise<string>;

/** httpFetchMetrics gets /metrics/resource over HTTP(S), presenting the token the agents accept. */
export function httpFetchMetrics(agentToken: string | undefined): FetchMetrics {
  return (ep, signal) => new Promise((resolve, reject) => {
    const mod = ep.scheme === 'https' ? https : http;
    const req = mod.request({
      host: ep.host, port: ep.port, path: '/metrics/resource', method: 'GET', rejectUnauthorized: false, signal,
      headers: agentToken ? { Authorization: `Bearer ${agentToken}` } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`request failed, status: ${JSON.stringify(`${res.statusCode} ${http.STATUS_CODES[res.statusCode ?? 500] ?? ''}`)}`));
      });
      res.on('error', reject);
    });
    req.on('error', (e) => reject(new Error(`Get "${ep.scheme}://${ep.host}:${ep.port}/metrics/resource": ${e.message}`)));
    req.end();
  });
}

/** ScrapeResult is one round: the merged batch and the nodes that failed, with why. */
export interface ScrapeResult { batch: MetricsBatch; errors: Map<string, Error> }

/**
 * scrapeNodes scrapes every node that has an agent endpoint, concurrently, each within timeoutMs;
 * a node's failure leaves only that node (and its pods) out of the batch.
 */
export async function scrapeNodes(nodes: { node: KubeObject; endpoint: NodeEndpoint | undefined }[], fetchMetrics: FetchMetrics, timeoutMs: number, now: () => Date): Promise<ScrapeResult> {
  const batch: MetricsBatch = { nodes: new Map(), pods: new Map() };
  const errors = new Map<string, Error>();
  await Promise.all(nodes.map(async ({ node, endpoint }) => {
    const name = node.metadata?.name ?? '';
    if (!endpoint) { errors.set(name, new Error(`node ${name} has no agent endpoint`)); return; }
    try {
      const text = await fetchMetrics(endpoint, AbortSignal.timeout(timeoutMs));
      const nb = decodeResourceMetrics(text, now().getTime());
      if (nb.node) batch.nodes.set(name, nb.node);
      for (const [pod, containers] of nb.pods) batch.pods.set(pod, containers);
    } catch (e) {
      errors.set(name, e instanceof Error ? e : new Error(String(e)));
    }
  }));
  return { batch, errors };
}
