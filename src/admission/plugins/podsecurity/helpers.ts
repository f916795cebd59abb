/**
 * What every Pod Security check shares: a pod spec read as JSON (the checks run after validation,
 * but a field of the wrong shape must not throw), the containers a check visits, and the wording
 * helpers that make the checks' details read as Kubernetes' do ("container" / "containers",
 * quoted lists, sorted sets).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** obj reads a field that should be an object; anything else reads as absent. */
export const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);

/** list reads a field that should be an array of objects; anything else reads as empty. */
export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** PodView is what a check reads: the pod's (or template's) metadata and spec. */
export interface PodView {
  metadata: Obj;
  spec: Obj;
}

/** CheckResult is one check's verdict; a forbidden one carries Kubernetes' reason and detail. */
export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}

export const ALLOWED: CheckResult = Object.freeze({ allowed: true });

export const forbid = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });

/**
 * containers lists every container a check looks at, in the order Kubernetes visits them: init
 * containers, containers, then ephemeral containers.
 */
export function containers(spec: Obj): Obj[] {
  return [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
}

/** nameOf is a container's or volume's name ('' when it has none). */
export const nameOf = (o: Obj): string => (typeof o.name === 'string' ? o.name : '');

/** securityContext of a container or pod, when it is an object. */
export const securityContext = (o: Obj): Obj | undefined => obj(o.securityContext);

/** joinQuote renders names as `"a", "b"`. */
export function joinQuote(items: readonly string[]): string {
  return items.length ? `"${items.join('", "')}"` : '';
}

/** pluralize picks the word for a count. */
export const pluralize = (singular: string, plural: string, count: number): string => (count === 1 ? singular : plural);

/** sortedSet is Go's sets.String List(): unique, in byte order. */
export function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(byteOrder);
}

/** byteOrder compares as Go's sort.Strings does. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** str reads a string field ('' when absent or not a string: Go's zero value). */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** containersPhrase is `container "a"` or `containers "a", "b"`. */
export const containersPhrase = (names: readonly string[]): string =>
  `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** isWindows: spec.os.name is windows (restricted checks that Linux-only fields cannot satisfy skip such pods). */
export const isWindows = (spec: Obj): boolean => obj(spec.os)?.name === 'windows';
