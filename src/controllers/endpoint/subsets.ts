/**
 * Building Endpoints subsets as the Endpoints controller does: one subset per (address, port),
 * then repacked so that addresses offering the same ports share a subset (endpoints.RepackSubsets)
 * and sorted into a stable order (SortSubsets).
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';

/** PendingAddress is one pod's address offering one port (or none, for a headless Service without ports). */
export interface PendingAddress { address: EndpointAddress; port?: EndpointPort; ready: boolean }

const portKey = (p: EndpointPort): string => JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']);
const addrKey = (a: EndpointAddress): string => `${a.ip}/${a.targetRef?.uid ?? ''}`;

/**
 * repackSubsets groups addresses by the set of ports they offer: each distinct set of addresses
 * becomes one subset carrying every port those addresses offer, ready and not-ready apart.
 */
export function repackSubsets(pending: readonly PendingAddress[]): EndpointSubset[] {
  // port → addresses (with readiness) offering it
  const byPort = new Map<string, { port?: EndpointPort; addrs: Map<string, { a: EndpointAddress; ready: boolean }> }>();
  for (const p of pending) {
    const k = p.port ? portKey(p.port) : '<none>';
    let e = byPort.get(k);
    if (!e) byPort.set(k, (e = { port: p.port, addrs: new Map() }));
    const ak = addrKey(p.address);
    // An address is ready for a port if any of its entries says so (upstream's addressSet).
    e.addrs.set(ak, { a: p.address, ready: p.ready || (e.addrs.get(ak)?.ready ?? false) });
  }
  // address set → ports
  const bySet = new Map<string, { addrs: { a: EndpointAddress; ready: boolean }[]; ports: EndpointPort[] }>();
  for (const { port, addrs } of byPort.values()) {
    const list = [...addrs.values()].sort((x, y) => compareAddr(x.a, y.a));
    const k = JSON.stringify(list.map((x) => [addrKey(x.a), x.ready]));
    let e = bySet.get(k);
    if (!e) bySet.set(k, (e = { addrs: list, ports: [] }));
    if (port) e.ports.push(port);
  }
  const subsets: EndpointSubset[] = [];
  for (const { addrs, ports } of bySet.values()) {
    const ready = addrs.filter((x) => x.ready).map((x) => x.a);
    const notReady = addrs.filter((x) => !x.ready).map((x) => x.a);
    const ss: EndpointSubset = {};
    if (ready.length) ss.addresses = ready;
    if (notReady.length) ss.notReadyAddresses = notReady;
    if (ports.length) ss.ports = ports.sort((a, b) => portKey(a).localeCompare(portKey(b)));
    subsets.push(ss);
  }
  return subsets.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function compareAddr(a: EndpointAddress, b: EndpointAddress): number {
  const ip = compareIPs(a.ip, b.ip);
  return ip !== 0 ? ip : (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

/** compareIPs orders IPv4 addresses numerically (others as strings). */
export function compareIPs(a: string, b: string): number {
  const n = (s: string) => s.split('.').map(Number);
  const x = n(a);
  const y = n(b);
  if (x.length === 4 && y.length === 4 && x.every(Number.isFinite) && y.every(Number.isFinite)) {
    for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  }
  return a.localeCompare(b);
}
