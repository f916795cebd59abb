/**
 * CEL types as the type checker sees them (cel-go's types.Type, reduced to what CRD rules use):
 * primitives, list/map, the object ("struct") types Kubernetes derives from a structural schema,
 * opaque library types (kubernetes.Quantity, kubernetes.URL, net.IP, optional_type, …), type
 * parameters for overload templates, and the unification cel-go's checker runs (isAssignable with
 * a substitution mapping, mostGeneral, substitute). Type names print as cel-go's FormatCELType.
 */

/** CelT is one CEL type. */
export type CelT =
  | { kind: 'int' | 'uint' | 'double' | 'bool' | 'string' | 'bytes' | 'null' | 'dyn' | 'error' | 'any' | 'timestamp' | 'duration' }
  | { kind: 'list'; elem: CelT }
  | { kind: 'map'; key: CelT; value: CelT }
  | { kind: 'struct'; name: string; fields: Map<string, CelT> }
  | { kind: 'opaque'; name: string; params: CelT[] }
  | { kind: 'typeParam'; name: string }
  | { kind: 'type'; param?: CelT };

/** Simple type constants. */
export const T = {
  int: { kind: 'int' } as CelT,
  uint: { kind: 'uint' } as CelT,
  double: { kind: 'double' } as CelT,
  bool: { kind: 'bool' } as CelT,
  string: { kind: 'string' } as CelT,
  bytes: { kind: 'bytes' } as CelT,
  null: { kind: 'null' } as CelT,
  dyn: { kind: 'dyn' } as CelT,
  error: { kind: 'error' } as CelT,
  any: { kind: 'any' } as CelT,
  timestamp: { kind: 'timestamp' } as CelT,
  duration: { kind: 'duration' } as CelT,
};

/** list builds list(elem). */
export const listOf = (elem: CelT): CelT => ({ kind: 'list', elem });
/** mapOf builds map(key, value). */
export const mapOf = (key: CelT, value: CelT): CelT => ({ kind: 'map', key, value });
/** opaque builds a named opaque type (optional_type(T), kubernetes.Quantity, …). */
export const opaque = (name: string, ...params: CelT[]): CelT => ({ kind: 'opaque', name, params });
/** typeParam builds a type parameter (the A in list(A)). */
export const typeParam = (name: string): CelT => ({ kind: 'typeParam', name });
/** typeOf builds type(T), the type of a type denotation such as `int`. */
export const typeOf = (param?: CelT): CelT => ({ kind: 'type', param });
/** optionalOf builds optional_type(T). */
export const optionalOf = (t: CelT): CelT => opaque('optional_type', t);

/** formatType renders a type as cel-go's FormatCELType does (`list(int)`, `map(string, dyn)`). */
export function formatType(t: CelT): string {
  switch (t.kind) {
    case 'error': return '!error!';
    case 'list': return `list(${formatType(t.elem)})`;
    case 'map': return `map(${formatType(t.key)}, ${formatType(t.value)})`;
    case 'struct': return t.name;
    case 'opaque': return t.params.length ? `${t.name}(${t.params.map(formatType).join(', ')})` : t.name;
    case 'typeParam': return t.name;
    case 'type': return t.param ? `type(${formatType(t.param)})` : 'type';
    default: return t.kind;
  }
}

function params(t: CelT): CelT[] {
  switch (t.kind) {
    case 'list': return [t.elem];
    case 'map': return [t.key, t.value];
    case 'opaque': return t.params;
    case 'type': return t.param ? [t.param] : [];
    default: return [];
  }
}

function typeName(t: CelT): string {
  switch (t.kind) {
    case 'struct': case 'opaque': case 'typeParam': return t.name;
    default: return t.kind;
  }
}

/** isExactType: same kind, name and (recursively) parameters. */
export function isExactType(a: CelT, b: CelT): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || typeName(a) !== typeName(b)) return false;
  const pa = params(a);
  const pb = params(b);
  return pa.length === pb.length && pa.every((p, i) => isExactType(p, pb[i]));
}

export const isDyn = (t: CelT): boolean => t.kind === 'dyn' || t.kind === 'any';
const isDynOrError = (t: CelT): boolean => isDyn(t) || t.kind === 'error';

/** Mapping is the checker's substitution of type parameters (keyed by their printed name). */
export class Mapping {
  constructor(private readonly m = new Map<string, CelT>()) {}
  add(from: CelT, to: CelT): void { this.m.set(formatType(from), to); }
  find(from: CelT): CelT | undefined { return this.m.get(formatType(from)); }
  copy(): Mapping { return new Mapping(new Map(this.m)); }
}

// defaultIsAssignableType: t2 accepts t1 when equal or dyn, or same name with assignable params.
function simpleAssignable(to: CelT, from: CelT): boolean {
  if (to === from || isDyn(to)) return true;
  if (to.kind !== from.kind || typeName(to) !== typeName(from)) return false;
  const pt = params(to);
  const pf = params(from);
  return pt.length === pf.length && pt.every((p, i) => simpleAssignable(p, pf[i]));
}

function isLegacyNullable(t: CelT): boolean {
  return t.kind === 'opaque' || t.kind === 'struct' || t.kind === 'any' || t.kind === 'duration' || t.kind === 'timestamp';
}

function isEqualOrLessSpecific(t1: CelT, t2: CelT): boolean {
  if (isDyn(t1) || t1.kind === 'typeParam') return true;
  if (isDyn(t2) || t2.kind === 'typeParam') return false;
  if (t1.kind !== t2.kind) return false;
  switch (t1.kind) {
    case 'opaque': {
      const o2 = t2 as Extract<CelT, { kind: 'opaque' }>;
      return t1.name === o2.name && t1.params.length === o2.params.length && t1.params.every((p, i) => isEqualOrLessSpecific(p, o2.params[i]));
    }
    case 'list': return isEqualOrLessSpecific(t1.elem, (t2 as Extract<CelT, { kind: 'list' }>).elem);
    case 'map': {
      const m2 = t2 as Extract<CelT, { kind: 'map' }>;
      return isEqualOrLessSpecific(t1.key, m2.key) && isEqualOrLessSpecific(t1.value, m2.value);
    }
    case 'type': return true;
    default: return isExactType(t1, t2);
  }
}

/** mostGeneral picks the less specific of two compatible types. */
export function mostGeneral(t1: CelT, t2: CelT): CelT {
  return isEqualOrLessSpecific(t1, t2) ? t1 : t2;
}

function notReferencedIn(m: Mapping, t: CelT, within: CelT): boolean {
  if (isExactType(t, within)) return false;
  if (within.kind === 'typeParam') {
    const sub = m.find(within);
    return sub ? notReferencedIn(m, t, sub) : true;
  }
  return params(within).every((p) => notReferencedIn(m, t, p));
}

function isValidTypeSubstitution(m: Mapping, t1: CelT, t2: CelT): { valid: boolean; hasSub: boolean } {
  if (t1.kind === t2.kind && isExactType(t1, t2)) return { valid: true, hasSub: true };
  const sub = m.find(t2);
  if (sub) {
    if (t1.kind === sub.kind && isExactType(t1, sub)) return { valid: true, hasSub: true };
    if (internalIsAssignable(m, t1, sub)) {
      const general = mostGeneral(t1, sub);
      if (notReferencedIn(m, t2, general)) m.add(t2, general);
      return { valid: true, hasSub: true };
    }
    return { valid: false, hasSub: true };
  }
  if (notReferencedIn(m, t2, t1)) {
    m.add(t2, t1);
    return { valid: true, hasSub: false };
  }
  return { valid: false, hasSub: false };
}

function internalIsAssignable(m: Mapping, t1: CelT, t2: CelT): boolean {
  if (t2.kind === 'typeParam') {
    const r = isValidTypeSubstitution(m, t1, t2);
    if (r.valid) return true;
    if (r.hasSub) return false;
  }
  if (t1.kind === 'typeParam') return isValidTypeSubstitution(m, t2, t1).valid;
  if (isDynOrError(t1) || isDynOrError(t2)) return true;
  if (t1.kind === 'null') return isLegacyNullable(t2) || t2.kind === 'null';
  if (t2.kind === 'null') return isLegacyNullable(t1);
  switch (t1.kind) {
    case 'type': return t2.kind === 'type';
    case 'opaque': case 'list': case 'map':
      return t1.kind === t2.kind && typeName(t1) === typeName(t2) && internalIsAssignableList(m, params(t1), params(t2));
    default: return simpleAssignable(t2, t1);
  }
}

function internalIsAssignableList(m: Mapping, l1: CelT[], l2: CelT[]): boolean {
  return l1.length === l2.length && l1.every((t, i) => internalIsAssignable(m, t, l2[i]));
}

/** isAssignable returns the extended mapping when t2 can be used where t1 is expected, else undefined. */
export function isAssignable(m: Mapping, t1: CelT, t2: CelT): Mapping | undefined {
  const c = m.copy();
  return internalIsAssignable(c, t1, t2) ? c : undefined;
}

/** isAssignableList is isAssignable over argument lists. */
export function isAssignableList(m: Mapping, l1: CelT[], l2: CelT[]): Mapping | undefined {
  const c = m.copy();
  return internalIsAssignableList(c, l1, l2) ? c : undefined;
}

/** substitute replaces bound type parameters (unbound ones become dyn when typeParamToDyn). */
export function substitute(m: Mapping, t: CelT, typeParamToDyn: boolean): CelT {
  const sub = m.find(t);
  if (sub) return substitute(m, sub, typeParamToDyn);
  switch (t.kind) {
    case 'typeParam': return typeParamToDyn ? T.dyn : t;
    case 'opaque': return opaque(t.name, ...t.params.map((p) => substitute(m, p, typeParamToDyn)));
    case 'list': return listOf(substitute(m, t.elem, typeParamToDyn));
    case 'map': return mapOf(substitute(m, t.key, typeParamToDyn), substitute(m, t.value, typeParamToDyn));
    case 'type': return t.param ? typeOf(substitute(m, t.param, typeParamToDyn)) : t;
    default: return t;
  }
}

/** renameTypeParams gives an overload's type parameters fresh names (cel-go's _varN). */
export function renameTypeParams(t: CelT, names: Map<string, CelT>): CelT {
  switch (t.kind) {
    case 'typeParam': return names.get(t.name) ?? t;
    case 'opaque': return opaque(t.name, ...t.params.map((p) => renameTypeParams(p, names)));
    case 'list': return listOf(renameTypeParams(t.elem, names));
    case 'map': return mapOf(renameTypeParams(t.key, names), renameTypeParams(t.value, names));
    case 'type': return t.param ? typeOf(renameTypeParams(t.param, names)) : t;
    default: return t;
  }
}

/** collectTypeParams lists the type parameter names used in a type. */
export function collectTypeParams(t: CelT, out: Set<string>): Set<string> {
  if (t.kind === 'typeParam') out.add(t.name);
  for (const p of params(t)) collectTypeParams(p, out);
  return out;
}
