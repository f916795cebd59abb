/**
 * RangeAllocator hands out the values of one Range (service IPs, node ports) through the Backend,
 * race-free across requests and API servers: each allocated value is its own key, created with the
 * Backend's atomic create (two concurrent creates of one key: exactly one wins), as Kubernetes'
 * IPAddress objects do for the MultiCIDRServiceAllocator. The record names the Service that holds
 * it (and its uid), so a release never frees a value someone else holds now.
 */
import type { Backend } from '../../storage/backend.js';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError } from '../../storage/errors.js';
import type { Clock } from '../../util/clock.js';
import { parseIPv4 } from '../../network/cidr.js';
import { inRange, pickFree, type Range } from './ranges.js';

/** AllocationOwner is the Service a value belongs to. */
export interface AllocationOwner { namespace: string; name: string; uid: string }

/** Allocation is one allocated value as stored. */
export interface Allocation { value: number; owner: AllocationOwner; createdAt: string; modRevision: number }

/** AllocationErrorReason: upstream's ErrNotInRange, ErrAllocated and ErrFull. */
export type AllocationErrorReason = 'NotInRange' | 'Allocated' | 'Full';

/** AllocationError is a refused allocation, worded as upstream's allocators word it. */
export class AllocationError extends Error {
  constructor(readonly reason: AllocationErrorReason, message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** OWNER_UID_ANNOTATION carries the uid of the Service that holds a value. */
export const OWNER_UID_ANNOTATION = 'tskube.io/service-uid';

/** RangeAllocatorOptions configure one allocator. */
export interface RangeAllocatorOptions {
  backend: Backend;
  clock: Clock;
  range: Range;
  /** key prefix of the records, ending in '/' */
  prefix: string;
  /** what a value is called in messages: 'IP' or 'port' */
  what: 'IP' | 'port';
  /** apiVersion/kind of the records */
  recordKind: { apiVersion: string; kind: string; labels?: Record<string, string> };
  random?: () => number;
}

/** MAX_CREATE_RACES bounds retries when another request takes the value this one picked. */
const MAX_CREATE_RACES = 32;

/** RangeAllocator allocates, releases and lists the values of one range. */
export class RangeAllocator {
  constructor(private readonly o: RangeAllocatorOptions) {}

  /** range is the range values come from. */
  get range(): Range { return this.o.range; }

  /**
   * allocate takes a requested value for owner. A value the same Service (same uid) already holds
   * is fine (a port number shared by a TCP and a UDP port of one Service).
   */
  async allocate(value: number, owner: AllocationOwner): Promise<void> {
    const r = this.o.range;
    if (!inRange(r, value)) {
      throw new AllocationError('NotInRange', this.o.what === 'IP'
        ? `the provided IP (${r.format(value)}) is not in the valid range. The range of valid IPs is ${r.text}`
        : `provided port is not in the valid range. The range of valid ports is ${r.text}`);
    }
    if (await this.tryCreate(value, owner)) return;
    const held = await this.get(value);
    if (held && held.owner.uid === owner.uid) return;
    throw new AllocationError('Allocated', this.o.what === 'IP' ? 'provided IP is already allocated' : 'provided port is already allocated');
  }

  /** allocateNext takes a free value (dynamic band first, as upstream does); AllocationError Full when none is left. */
  async allocateNext(owner: AllocationOwner): Promise<number> {
    const used = new Set((await this.list()).map((a) => a.value));
    for (let i = 0; i < MAX_CREATE_RACES; i++) {
      const v = pickFree(this.o.range, (x) => used.has(x), this.o.random);
      if (v === undefined) break;
      if (await this.tryCreate(v, owner)) return v;
      used.add(v);
    }
    throw new AllocationError('Full', 'range is full');
  }

  /** release frees a value, only if uid (when given) still holds it; true when a record went. */
  async release(value: number, uid?: string): Promise<boolean> {
    const key = this.key(value);
    for (let attempt = 0; attempt < 4; attempt++) {
      const kv = await this.o.backend.get(key);
      if (!kv) return false;
      if (uid !== undefined && this.decode(kv.value, kv.modRevision)?.owner.uid !== uid) return false;
      try {
        await this.o.backend.delete(key, kv.modRevision);
        return true;
      } catch (e) {
        if (e instanceof KeyNotFoundError) return false;
        if (!(e instanceof RevisionMismatchError)) throw e;
      }
    }
    return false;
  }

  /** get reads the record of one value. */
  async get(value: number): Promise<Allocation | undefined> {
    const kv = await this.o.backend.get(this.key(value));
    return kv ? this.decode(kv.value, kv.modRevision) : undefined;
  }

  /** list reads every allocated value of this range (records outside the range are skipped). */
  async list(): Promise<Allocation[]> {
    const { items } = await this.o.backend.list(this.o.prefix);
    const out: Allocation[] = [];
    for (const kv of items) {
      const a = this.decode(kv.value, kv.modRevision);
      if (a && inRange(this.o.range, a.value)) out.push(a);
    }
    return out;
  }

  private async tryCreate(value: number, owner: AllocationOwner): Promise<boolean> {
    const name = this.o.range.format(value);
    const record = {
      apiVersion: this.o.recordKind.apiVersion, kind: this.o.recordKind.kind,
      metadata: {
        name, creationTimestamp: this.o.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        labels: this.o.recordKind.labels, annotations: { [OWNER_UID_ANNOTATION]: owner.uid },
      },
      spec: { parentRef: { group: '', resource: 'services', namespace: owner.namespace, name: owner.name } },
    };
    try {
      await this.o.backend.create(this.key(value), JSON.stringify(record));
      return true;
    } catch (e) {
      if (e instanceof KeyExistsError) return false;
      throw e;
    }
  }

  private key(value: number): string {
    return this.o.prefix + this.o.range.format(value);
  }

  private decode(raw: string, modRevision: number): Allocation | undefined {
    try {
      const rec = JSON.parse(raw) as { metadata?: { name?: string; creationTimestamp?: string; annotations?: Record<string, string> }; spec?: { parentRef?: { namespace?: string; name?: string } } };
      const name = rec.metadata?.name ?? '';
      const value = this.o.what === 'IP' ? parseIPv4(name) : Number(name);
      if (value === undefined || !Number.isFinite(value)) return undefined;
      return {
        value, modRevision, createdAt: rec.metadata?.creationTimestamp ?? '',
        owner: { namespace: rec.spec?.parentRef?.namespace ?? '', name: rec.spec?.parentRef?.name ?? '', uid: rec.metadata?.annotations?.[OWNER_UID_ANNOTATION] ?? '' },
      };
    } catch {
      return undefined;
    }
  }
}
