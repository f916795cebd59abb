/**
 * OpenAPI v3 of extension servers (kube-aggregator's openapiv3 aggregation controller): after an
 * APIService passes its check, the server's /openapi/v3 index is read and its entry for
 * apis/<group>/<version> joins this server's index (with the extension server's hash, so clients
 * cache it as they cache ours); GET /openapi/v3/apis/<group>/<version> is then proxied to it.
 * kubectl explain and client-side validation find extension kinds this way.
 */
import type { CheckResult, DiscoveryFetcher } from './discovery-check.js';
import type { ProxyTarget } from './proxy.js';

/** OpenAPIV3Index is the body of GET /openapi/v3. */
export interface OpenAPIV3Index { paths: Record<string, { serverRelativeURL: string }> }

/** openapiV3Path is the index key of a group version (`apis/<group>/<version>`). */
export function openapiV3Path(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * fetchOpenAPIV3Entry reads the extension server's index and returns its entry for the group
 * version (undefined when the server publishes none).
 */
export async function fetchOpenAPIV3Entry(fetch: DiscoveryFetcher, target: ProxyTarget, group: string, version: string): Promise<{ serverRelativeURL: string } | undefined> {
  const r: CheckResult = await fetch(target, '/openapi/v3');
  if (!r.ok) return undefined;
  try {
    const index = JSON.parse(r.body) as Partial<OpenAPIV3Index>;
    const entry = index.paths?.[openapiV3Path(group, version)];
    return typeof entry?.serverRelativeURL === 'string' ? { serverRelativeURL: entry.serverRelativeURL } : undefined;
  } catch {
    return undefined;
  }
}

/** mergeOpenAPIV3Index adds the extension entries to this server's index, in key order as Kubernetes writes it. */
export function mergeOpenAPIV3Index(index: OpenAPIV3Index, extra: ReadonlyMap<string, { serverRelativeURL: string }>): OpenAPIV3Index {
  const paths = { ...index.paths };
  for (const [k, v] of extra) paths[k] = v;
  return { paths: Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]])) };
}
