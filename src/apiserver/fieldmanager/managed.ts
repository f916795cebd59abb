/**
 * metadata.managedFields decoded into per-manager field sets and encoded back (apiserver's
 * fieldmanager internal/managedfields.go): entries are identified by manager, operation,
 * subresource and, for Update, apiVersion; they are written sorted as Kubernetes sorts them.
 */
import { FieldSet } from './set.js';

/** ManagedFieldsEntry is metav1.ManagedFieldsEntry. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

/** Operation is a ManagedFieldsEntry operation. */
export type Operation = 'Apply' | 'Update';

/** ManagerSet is one decoded entry: who, how, at which version and when, and the fields it owns. */
export interface ManagerSet {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Managers maps a manager identifier (see managerKey) to its set. */
export type Managers = Map<string, ManagerSet>;

/** managerKey identifies an entry as BuildManagerIdentifier does (Update entries per apiVersion). */
export function managerKey(m: Pick<ManagerSet, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({ manager: m.manager, operation: m.operation, apiVersion: m.operation === 'Update' ? m.apiVersion : undefined, subresource: m.subresource || undefined });
}

/** decodeManagedFields reads metadata.managedFields; a malformed entry throws with Kubernetes' reason. */
export function decodeManagedFields(entries: unknown): Managers {
  const out: Managers = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  for (const e of entries as ManagedFieldsEntry[]) {
    if (e === null || typeof e !== 'object') throw new Error('managedFields entries must be objects');
    if (e.fieldsType !== 'FieldsV1') throw new Error(`error decoding fields type: ${JSON.stringify(e.fieldsType ?? '')}: invalid fieldsType`);
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error(`unsupported operation: ${JSON.stringify(e.operation ?? '')}`);
    const m: ManagerSet = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      subresource: e.subresource || undefined,
      time: e.time,
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    const key = managerKey(m);
    const prev = out.get(key);
    // Duplicate identifiers are merged, as decoding into a map of managers does.
    if (prev) prev.set = prev.set.union(m.set);
    else out.set(key, m);
  }
  return out;
}

/** encodeManagedFields writes the managers back as entries, sorted by operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.empty());
  // each entry's time in seconds, parsed once rather than at every comparison
  const seconds = new Map(list.map((m) => [m, m.time ? Math.floor(Date.parse(m.time) / 1000) : 0]));
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = seconds.get(p)!;
    const qt = seconds.get(q)!;
    if (pt !== qt) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return list.map((m) => {
    // manager is omitempty: a request without fieldManager or User-Agent writes as ''
    const e: ManagedFieldsEntry = m.manager ? { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion } : { operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}
