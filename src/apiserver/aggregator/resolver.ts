/**
 * resolveEndpoint is the aggregator's endpoint routing (apiserver's proxy.ResolveEndpoint): the
 * Service must exist and expose the port; the request goes to a ready address, picked at random, of
 * the Endpoints subset that carries the port's name. Errors use Kubernetes' wording; the proxy
 * turns any of them into 503 "service unavailable".
 */
import type { KubeObject } from '../../api/resource.js';
import { isObj, type Obj } from '../../api/common/obj.js';

const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** EndpointAddress is where one request is sent. */
export interface EndpointAddress { host: string; port: number }

/** ResolveError says why no endpoint could be picked. */
export class ResolveError extends Error {}

/** servicePortName is the name of the Service port numbered port, or undefined when it has none. */
export function servicePortName(service: KubeObject, port: number): string | undefined {
  const p = objs((service.spec as Obj | undefined)?.ports).find((x) => x.port === port);
  return p ? String(p.name ?? '') : undefined;
}

/**
 * resolveEndpoint picks the address for (service, port) from the Service and its Endpoints
 * (undefined when they do not exist); random picks among the ready addresses (tests fix it).
 */
export function resolveEndpoint(
  namespace: string, name: string, port: number,
  service: KubeObject | undefined, endpoints: KubeObject | undefined,
  random: () => number = Math.random,
): EndpointAddress {
  if (!service) throw new ResolveError(`service "${name}" not found`);
  const type = String((service.spec as Obj | undefined)?.type ?? 'ClusterIP');
  if (type !== 'ClusterIP' && type !== 'NodePort' && type !== 'LoadBalancer') throw new ResolveError(`unsupported service type "${type}"`);
  const portName = servicePortName(service, port);
  if (portName === undefined) throw new ResolveError(`no service port ${port} found for service "${name}"`);
  if (!endpoints) throw new ResolveError(`endpoints "${name}" not found`);
  const subsets = objs(endpoints.subsets);
  if (!subsets.length) throw new ResolveError(`no endpoints available for service "${name}"`);
  for (const ss of subsets) {
    const addresses = objs(ss.addresses);
    if (!addresses.length) continue;
    const epPort = objs(ss.ports).find((p) => String(p.name ?? '') === portName);
    if (!epPort || typeof epPort.port !== 'number') continue;
    const addr = addresses[Math.floor(random() * addresses.length) % addresses.length];
    return { host: String(addr.ip ?? ''), port: epPort.port };
  }
  throw new ResolveError(`no endpoints available for service "${name}"`);
}

/** hostPort joins an address as Go's net.JoinHostPort (IPv6 in brackets). */
export function hostPort(a: EndpointAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
