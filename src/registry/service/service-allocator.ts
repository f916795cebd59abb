/**
 * ServiceAllocator gives Services their cluster IPs and node ports, as kube-apiserver's Service
 * REST storage does (pkg/registry/core/service/storage/alloc.go): on create and update it
 * allocates what the Service asks for or needs, handing back a revert for when the write does not
 * happen; a watch on the Services releases what deleted or changed Services held; a repair pass
 * (upstream's repair controllers) frees values whose Service is gone and records values of
 * Services written before the records existed.
 */
import type { KubeObject } from '../../api/resource.js';
import { internalError, invalid } from '../../apimachinery/errors.js';
import type { Backend, KeyValue } from '../../storage/backend.js';
import { CompactedError } from '../../storage/errors.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { AllocationError, RangeAllocator, type AllocationOwner } from './range-allocator.js';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR, nodePortRange, parseServiceIP, serviceIPRange } from './ranges.js';

const logger = log.child({ component: 'service-allocator' });

/** SERVICES_PREFIX is where Services are stored. */
export const SERVICES_PREFIX = '/registry/services/';
/** IP_ADDRESSES_PREFIX holds one record per allocated cluster IP (networking.k8s.io IPAddress objects). */
export const IP_ADDRESSES_PREFIX = '/registry/networking.k8s.io/ipaddresses/';
/** NODE_PORTS_PREFIX holds one record per allocated node port. */
export const NODE_PORTS_PREFIX = '/registry/tskube.io/servicenodeports/';

/** REPAIR_GRACE_MS: a record younger than this may belong to a create still in flight, so repair leaves it. */
export const REPAIR_GRACE_MS = 60_000;

/** ServiceAllocatorOptions: the ranges (kube-apiserver's flags) and where records live. */
export interface ServiceAllocatorOptions {
  backend: Backend;
  clock: Clock;
  /** --service-cluster-ip-range (default 10.96.0.0/12) */
  serviceCIDR?: string;
  /** --service-node-port-range (default 30000-32767) */
  nodePortRange?: string;
  random?: () => number;
}

interface Port { name?: string; port?: number; protocol?: string; nodePort?: number }
interface Spec {
  type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: Port[];
  externalTrafficPolicy?: string; healthCheckNodePort?: number; allocateLoadBalancerNodePorts?: boolean;
}

/** Revert undoes what one allocation step took (the write it was for did not happen). */
export type Revert = () => Promise<void>;

const needsNodePorts = (s: Spec): boolean => s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
const needsHealthCheckPort = (s: Spec): boolean => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
const hasClusterIP = (s: Spec): boolean => s.type !== 'ExternalName' && s.clusterIP !== 'None';

/** ServiceAllocator allocates and releases Services' cluster IPs and node ports. */
export class ServiceAllocator {
  readonly ips: RangeAllocator;
  readonly ports: RangeAllocator;

  constructor(private readonly o: ServiceAllocatorOptions) {
    this.ips = new RangeAllocator({
      backend: o.backend, clock: o.clock, range: serviceIPRange(o.serviceCIDR ?? DEFAULT_SERVICE_CIDR), prefix: IP_ADDRESSES_PREFIX, what: 'IP', random: o.random,
      recordKind: { apiVersion: 'networking.k8s.io/v1beta1', kind: 'IPAddress', labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } },
    });
    this.ports = new RangeAllocator({
      backend: o.backend, clock: o.clock, range: nodePortRange(o.nodePortRange ?? DEFAULT_NODE_PORT_RANGE), prefix: NODE_PORTS_PREFIX, what: 'port', random: o.random,
      recordKind: { apiVersion: 'tskube.io/v1', kind: 'ServiceNodePort' },
    });
  }

  /** allocateCreate fills in spec.clusterIP(s) and node ports of a Service about to be created. */
  async allocateCreate(svc: KubeObject): Promise<Revert> {
    return this.allocate(svc, undefined);
  }

  /** allocateUpdate allocates what an update newly needs (a type change, new ports); old values stay the releaser's. */
  async allocateUpdate(svc: KubeObject, old: KubeObject): Promise<Revert> {
    return this.allocate(svc, old);
  }

  private async allocate(svc: KubeObject, old: KubeObject | undefined): Promise<Revert> {
    const spec = (svc.spec ?? {}) as Spec;
    if (typeof spec !== 'object' || Array.isArray(spec)) return async () => undefined;
    const owner: AllocationOwner = { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '' };
    const oldSpec = (old?.spec ?? {}) as Spec;
    const taken: (() => Promise<unknown>)[] = [];
    const revert: Revert = async () => { for (const t of taken.reverse()) await t().catch(() => undefined); };
    try {
      if (hasClusterIP(spec)) await this.allocateClusterIP(svc, spec, oldSpec, owner, taken);
      else if (spec.clusterIP === 'None' && spec.type !== 'ExternalName' && !spec.clusterIPs) spec.clusterIPs = ['None'];
      if (needsNodePorts(spec)) await this.allocateNodePorts(svc, spec, oldSpec, owner, taken);
      if (needsHealthCheckPort(spec)) {
        if (spec.healthCheckNodePort) {
          if (spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) await this.takePort(svc, 'spec.healthCheckNodePort', spec.healthCheckNodePort, owner, taken);
        } else {
          spec.healthCheckNodePort = await this.nextPort(owner, taken);
        }
      }
    } catch (e) {
      await revert();
      throw e;
    }
    return revert;
  }

  private async allocateClusterIP(svc: KubeObject, spec: Spec, oldSpec: Spec, owner: AllocationOwner, taken: (() => Promise<unknown>)[]): Promise<void> {
    if (!spec.clusterIP && Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string') spec.clusterIP = spec.clusterIPs[0];
    const requested = spec.clusterIP;
    // An IP the Service had before this update is its own already.
    if (requested && requested === oldSpec.clusterIP && hasClusterIP(oldSpec)) return;
    if (!requested) {
      let v: number;
      try {
        v = await this.ips.allocateNext(owner);
      } catch (e) {
        if (e instanceof AllocationError) throw internalError(new Error(`failed to allocate a serviceIP: ${e.message}`));
        throw e;
      }
      taken.push(() => this.ips.release(v, owner.uid));
      spec.clusterIP = this.ips.range.format(v);
      spec.clusterIPs = [spec.clusterIP];
      return;
    }
    const v = typeof requested === 'string' ? parseServiceIP(requested) : undefined;
    // Not an IPv4 address: validation says so with its own message.
    if (v === undefined) return;
    const before = await this.ips.get(v);
    try {
      await this.ips.allocate(v, owner);
    } catch (e) {
      if (e instanceof AllocationError) {
        const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [requested];
        throw invalid('Service', '', owner.name, [{
          type: 'FieldValueInvalid', field: 'spec.clusterIPs', valueText: `[]string{${ips.map((s) => JSON.stringify(s)).join(', ')}}`,
          detail: `failed to allocate IP ${requested}: ${e.message}`,
        }]);
      }
      throw e;
    }
    if (!before) taken.push(() => this.ips.release(v, owner.uid));
    spec.clusterIPs ??= [requested];
  }

  private async allocateNodePorts(svc: KubeObject, spec: Spec, oldSpec: Spec, owner: AllocationOwner, taken: (() => Promise<unknown>)[]): Promise<void> {
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    const oldHeld = new Set(needsNodePorts(oldSpec) ? (oldSpec.ports ?? []).map((p) => p?.nodePort).filter((n): n is number => !!n) : []);
    // Requested ports first, so a dynamic pick never takes a number the Service asks for itself.
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (!p || typeof p !== 'object' || !p.nodePort || oldHeld.has(p.nodePort)) continue;
      if (ports.slice(0, i).some((q) => q?.nodePort === p.nodePort)) continue;
      await this.takePort(svc, `spec.ports[${i}].nodePort`, p.nodePort, owner, taken);
    }
    for (const p of ports) {
      if (!p || typeof p !== 'object' || p.nodePort) continue;
      // A port number served over two protocols shares its node port (upstream's findRequestedNodePort).
      const twin = ports.find((q) => q !== p && q?.port === p.port && q?.nodePort);
      p.nodePort = twin?.nodePort ?? await this.nextPort(owner, taken);
    }
  }

  private async takePort(svc: KubeObject, field: string, port: number, owner: AllocationOwner, taken: (() => Promise<unknown>)[]): Promise<void> {
    if (typeof port !== 'number' || !Number.isInteger(port)) return;
    const before = await this.ports.get(port);
    try {
      await this.ports.allocate(port, owner);
    } catch (e) {
      if (e instanceof AllocationError) throw invalid('Service', '', svc.metadata?.name ?? '', [{ type: 'FieldValueInvalid', field, value: port, detail: e.message }]);
      throw e;
    }
    if (!before) taken.push(() => this.ports.release(port, owner.uid));
  }

  private async nextPort(owner: AllocationOwner, taken: (() => Promise<unknown>)[]): Promise<number> {
    try {
      const v = await this.ports.allocateNext(owner);
      taken.push(() => this.ports.release(v, owner.uid));
      return v;
    } catch (e) {
      if (e instanceof AllocationError) throw internalError(new Error(`failed to allocate a nodePort: ${e.message}`));
      throw e;
    }
  }

  /** releaseDropped frees what old held and cur (undefined: deleted) no longer does. */
  async releaseDropped(old: KubeObject, cur: KubeObject | undefined): Promise<void> {
    const uid = old.metadata?.uid;
    if (!uid) return;
    const keep = cur && cur.metadata?.uid === uid ? heldValues(cur) : { ips: [], ports: [] };
    const was = heldValues(old);
    for (const ip of was.ips) if (!keep.ips.includes(ip)) await this.ips.release(ip, uid);
    for (const p of was.ports) if (!keep.ports.includes(p)) await this.ports.release(p, uid);
  }

  /**
   * runReleaser watches the stored Services and releases what a deleted or changed Service held
   * until signal aborts (a compacted watch resumes after a repair pass).
   */
  async runReleaser(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const from = await this.o.backend.currentRevision();
        await this.repair();
        for await (const ev of this.o.backend.watch(SERVICES_PREFIX, { afterRevision: from, signal })) {
          if (ev.type === 'create') continue;
          const old = ev.prevKv ? decode(ev.prevKv) : undefined;
          if (!old) continue;
          await this.releaseDropped(old, ev.type === 'delete' ? undefined : decode(ev.kv));
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!(e instanceof CompactedError)) logger.error(e, 'service allocation watch failed, repairing and watching again');
      }
      await this.o.clock.sleep(1000, signal).catch(() => undefined);
    }
  }

  /** runRepair repairs every intervalMs (upstream: every 3 minutes) until signal aborts. */
  async runRepair(signal: AbortSignal, intervalMs = 3 * 60_000): Promise<void> {
    while (!signal.aborted) {
      await this.o.clock.sleep(intervalMs, signal).catch(() => undefined);
      if (signal.aborted) return;
      await this.repair().catch((e: unknown) => logger.error(e, 'unable to repair service allocations'));
    }
  }

  /**
   * releaseOrphanedIP frees a cluster IP whose record names the Service namespace/name when no such
   * Service is stored: what a start killed between the record's write and the Service's leaves
   * (the bootstrap's `kubernetes` Service, whose address is fixed, could not be made again until
   * repair's grace period passed). True when a record went.
   */
  async releaseOrphanedIP(ip: string, namespace: string, name: string): Promise<boolean> {
    const value = parseServiceIP(ip);
    if (value === undefined) return false;
    const held = await this.ips.get(value);
    if (!held || held.owner.namespace !== namespace || held.owner.name !== name) return false;
    if (await this.o.backend.get(`${SERVICES_PREFIX}${namespace}/${name}`)) return false;
    return this.ips.release(value, held.owner.uid);
  }

  /**
   * repair makes the records match the stored Services: a value whose Service is gone (or is
   * another Service of the same name now) is released once older than the grace period; a value a
   * Service holds without a record gets one; a value two Services claim is logged, as upstream does.
   */
  async repair(): Promise<void> {
    const { items } = await this.o.backend.list(SERVICES_PREFIX);
    const holders = { ips: new Map<number, AllocationOwner>(), ports: new Map<number, AllocationOwner>() };
    for (const kv of items) {
      const svc = decode(kv);
      if (!svc?.metadata?.uid) continue;
      const owner: AllocationOwner = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', uid: svc.metadata.uid };
      const held = heldValues(svc);
      for (const [values, map, what] of [[held.ips, holders.ips, 'Cluster IP'], [held.ports, holders.ports, 'Node port']] as const) {
        for (const v of values) {
          const other = map.get(v);
          if (other && other.uid !== owner.uid) logger.info(`${what} was assigned to multiple services; please recreate service`, { value: v, service: `${owner.namespace}/${owner.name}`, other: `${other.namespace}/${other.name}` });
          else map.set(v, owner);
        }
      }
    }
    const now = this.o.clock.now().getTime();
    for (const [alloc, map] of [[this.ips, holders.ips], [this.ports, holders.ports]] as const) {
      const records = await alloc.list();
      const recorded = new Set(records.map((r) => r.value));
      for (const r of records) {
        const holder = map.get(r.value);
        if (holder && holder.uid === r.owner.uid) continue;
        const age = now - Date.parse(r.createdAt || '1970-01-01T00:00:00Z');
        if (!holder && age < REPAIR_GRACE_MS) continue;
        await alloc.release(r.value, r.owner.uid);
        if (holder) await alloc.allocate(r.value, holder).catch(() => undefined);
      }
      for (const [v, owner] of map) {
        if (recorded.has(v) || !(v >= alloc.range.base && v < alloc.range.base + alloc.range.size)) continue;
        await alloc.allocate(v, owner).catch((e: unknown) => { if (!(e instanceof AllocationError)) throw e; });
      }
    }
  }
}

/** heldValues lists the cluster IPs and node ports a stored Service holds. */
export function heldValues(svc: KubeObject): { ips: number[]; ports: number[] } {
  const spec = (svc.spec ?? {}) as Spec;
  const ips: number[] = [];
  const ports: number[] = [];
  if (typeof spec !== 'object' || Array.isArray(spec)) return { ips, ports };
  if (hasClusterIP(spec)) {
    for (const s of [spec.clusterIP, ...(Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [])]) {
      const v = typeof s === 'string' ? parseServiceIP(s) : undefined;
      if (v !== undefined && !ips.includes(v)) ips.push(v);
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (p?.nodePort && !ports.includes(p.nodePort)) ports.push(p.nodePort);
    if (spec.healthCheckNodePort && !ports.includes(spec.healthCheckNodePort)) ports.push(spec.healthCheckNodePort);
  }
  return { ips, ports };
}

function decode(kv: KeyValue): KubeObject | undefined {
  try {
    return JSON.parse(kv.value) as KubeObject;
  } catch {
    return undefined;
  }
}
