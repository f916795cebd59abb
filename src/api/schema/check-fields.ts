/**
 * Strict decoding as the Kubernetes API server does it: a body is decoded into its kind's schema;
 * a value of the wrong JSON type is an error (whatever fieldValidation says), unknown and
 * duplicate fields are an error (Strict), a warning each (Warn) or ignored (Ignore).
 *
 * The object is also left as Go's decoder leaves the typed object, so that nothing after decoding
 * (defaulting, validation, controllers) meets a value of the wrong shape: unknown fields are
 * dropped, a null field is unset, and a null inside a list or map becomes the element type's zero
 * value (`matchExpressions: [null]` is `[{}]`, which validation then reports field by field).
 */
import { definitionForKind, getDefinition, type FieldType, type SchemaDefinition } from './model.js';
import { duplicateFieldPaths } from './duplicate-fields.js';
import { exceededMaxDepth, MAX_JSON_DEPTH, tooDeep } from '../../apimachinery/patch/depth.js';

/** FieldValidationMode is the `fieldValidation` query parameter. */
export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

/** FieldCheckResult: `error` is the message after "<Kind> in version ... cannot be handled as a <Kind>: ". */
export interface FieldCheckResult { error?: string; warnings: string[] }

// Kubernetes' quantity grammar, as its JSON decoder states it in the error message.
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";


/** quantityError is why Go's resource.ParseQuantity refuses v (a JSON string), if it does. */
export function quantityError(v: string): string | undefined {
  const m = QUANTITY_RE.exec(v.trim());
  if (!m) return QUANTITY_ERROR;
  // the number has one decimal point at most, and a digit
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return QUANTITY_ERROR;
  if (!/^([numkMGTPE]|[KMGTPE]i|[eE][-+]?\d+)?$/.test(m[2])) return "unable to parse quantity's suffix";
  return undefined;
}

/**
 * illegalBase64At is where Go's base64.StdEncoding (how a []byte field decodes from JSON) fails on
 * s, or undefined when s decodes. Line breaks are skipped, as Go skips them.
 */
export function illegalBase64At(s: string): number | undefined {
  let n = 0; // characters of the current quantum
  let pad = 0;
  let quantumStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\r' || c === '\n') continue;
    if (n === 0) quantumStart = i;
    if (c === '=') {
      // padding only in the last two places of the last quantum
      if (n < 2) return i;
      pad++;
    } else if (pad > 0 || !/[A-Za-z0-9+/]/.test(c)) {
      return i;
    }
    n++;
    if (n === 4) { n = 0; if (pad > 0) { const rest = s.slice(i + 1).replace(/[\r\n]/g, ''); if (rest) return i + 1; } }
  }
  return n === 0 ? undefined : quantumStart;
}

/**
 * checkFields checks `obj` against the schema of group/version/kind and normalizes it in place as
 * Go's decoder would (see above): pass only a freshly decoded object. `raw`, when given, is the
 * JSON text the object was parsed from: only there can duplicate fields be seen.
 * Kinds without a schema pass unchecked.
 */
export function checkFields(group: string, version: string, kind: string, obj: unknown, mode: FieldValidationMode, raw?: string): FieldCheckResult {
  const def = definitionForKind(group, version, kind);
  if (!def) return { warnings: [] };
  const walker = new Walker(mode !== 'Ignore');
  walker.object(def, obj, [], []);
  if (walker.typeError) return { error: walker.typeError, warnings: [] };
  if (mode === 'Ignore') return { warnings: [] };
  const problems = walker.unknown.map((p) => `unknown field "${p}"`);
  if (raw !== undefined) problems.push(...duplicateFieldPaths(raw).map((p) => `duplicate field "${p}"`));
  if (problems.length === 0) return { warnings: [] };
  if (mode === 'Warn') return { warnings: problems };
  return { error: `strict decoding error: ${problems.join(', ')}`, warnings: [] };
}

/** goTypeName renders a field type as Go's decoder names it in errors ('int32', '[]v1.Container'). */
export function goTypeName(t: FieldType): string {
  switch (t.kind) {
    case 'string': return t.format === 'byte' ? '[]uint8' : 'string';
    case 'integer': return t.format;
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    case 'array': return `[]${goTypeName(t.items)}`;
    case 'map': return `map[string]${goTypeName(t.values)}`;
    case 'any': return 'interface {}';
    case 'ref': {
      const parts = t.name.split('.');
      const name = parts[parts.length - 1];
      if (t.name.endsWith('.resource.Quantity')) return 'resource.Quantity';
      if (t.name.endsWith('.intstr.IntOrString')) return 'intstr.IntOrString';
      if (t.name.includes('.pkg.runtime.')) return `runtime.${name}`;
      return `${parts[parts.length - 2]}.${name}`;
    }
  }
}

/** jsonKind is how Go's decoder describes a JSON value in "cannot unmarshal X into ...". */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** Walker collects the first type error and every unknown field, in document order. */
class Walker {
  typeError?: string;
  readonly unknown: string[] = [];
  constructor(private readonly collectUnknown: boolean) {}

  /**
   * object checks a JSON object against an object definition. `goPath` is Go's error field path
   * (no indexes). Both paths are stacks the walk pushes to and pops from (messages copy them when
   * they need them): a copy per field was most of the walk's work.
   */
  object(def: SchemaDefinition, v: unknown, path: string[], goPath: string[]): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return; // caller reported
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      const value = o[key];
      const field = def.fields.get(key);
      if (!field) {
        if (this.collectUnknown) this.unknown.push(joinPath([...path, key]));
        delete o[key]; // the typed object has no place for it
        continue;
      }
      if (value === null) {
        delete o[key]; // null decodes to the zero value: the field is unset
        continue;
      }
      path.push(key);
      goPath.push(key);
      this.value(field.type, value, path, goPath, def);
      path.pop();
      goPath.pop();
    }
  }

  private fail(msg: string): void {
    this.typeError ??= msg;
  }

  private mismatch(v: unknown, t: FieldType, goPath: string[], owner: SchemaDefinition, valueText?: string): void {
    const ownerName = owner.name.slice(owner.name.lastIndexOf('.') + 1);
    this.fail(`json: cannot unmarshal ${valueText ?? jsonKind(v)} into Go struct field ${ownerName}.${goPath.join('.')} of type ${goTypeName(t)}`);
  }

  value(t: FieldType, v: unknown, path: string[], goPath: string[], owner: SchemaDefinition): void {
    if (v === null) return; // null decodes to the zero value (callers replace it)
    switch (t.kind) {
      case 'string':
        if (t.format === 'byte') {
          if (typeof v !== 'string') return this.mismatch(v, t, goPath, owner);
          const bad = illegalBase64At(v);
          if (bad !== undefined) this.fail(`illegal base64 data at input byte ${bad}`);
          return;
        }
        if (typeof v !== 'string') this.mismatch(v, t, goPath, owner);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.mismatch(v, t, goPath, owner);
        return;
      case 'integer':
        if (typeof v !== 'number') return this.mismatch(v, t, goPath, owner);
        if (!Number.isInteger(v) || !fitsInt(v, t.format)) this.mismatch(v, t, goPath, owner, `number ${String(v)}`);
        return;
      case 'number':
        if (typeof v !== 'number') this.mismatch(v, t, goPath, owner);
        return;
      case 'any':
        return this.free(v);
      case 'array':
        if (!Array.isArray(v)) return this.mismatch(v, t, goPath, owner);
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (item === null) { v[i] = zeroValue(t.items); continue; }
          // the index goes on the last element of the path (`containers[0]`), for the item's walk only
          const last = path.length - 1;
          const name = path[last];
          path[last] = `${name}[${i}]`;
          this.value(t.items, item, path, goPath, owner);
          path[last] = name;
        }
        return;
      case 'map': {
        if (typeof v !== 'object' || Array.isArray(v)) return this.mismatch(v, t, goPath, owner);
        const m = v as Record<string, unknown>;
        for (const k of Object.keys(m)) {
          const item = m[k];
          if (item === null) { m[k] = zeroValue(t.values); continue; }
          path.push(k);
          this.value(t.values, item, path, goPath, owner);
          path.pop();
        }
        return;
      }
      case 'ref': {
        const def = getDefinition(t.name);
        if (!def) return;
        switch (def.scalar) {
          case 'any': case 'object':
            return this.free(v);
          case 'quantity':
            if (typeof v === 'number') return;
            if (typeof v !== 'string') return this.fail(QUANTITY_ERROR);
            {
              const err = quantityError(v);
              if (err) this.fail(err);
            }
            return;
          case 'int-or-string':
            if (typeof v === 'string') return;
            if (typeof v !== 'number') return this.fail(`json: cannot unmarshal ${jsonKind(v)} into Go value of type int32`);
            if (!Number.isInteger(v) || !fitsInt(v, 'int32')) this.fail(`json: cannot unmarshal number ${String(v)} into Go value of type int32`);
            return;
          case 'date-time':
            if (typeof v !== 'string') return this.fail(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
            if (v !== '' && Number.isNaN(Date.parse(v))) this.fail(`parsing time "${v}" as "2006-01-02T15:04:05Z07:00": cannot parse "${v}" as "2006"`);
            return;
        }
        if (typeof v !== 'object' || Array.isArray(v)) return this.mismatch(v, t, goPath, owner);
        this.object(def, v, path, goPath);
        return;
      }
    }
  }

  /**
   * free accepts any JSON (RawExtension, preserved unknown fields) but not beyond MAX_JSON_DEPTH:
   * everything after decoding (copies, comparisons, encoding) recurses through it.
   */
  private free(v: unknown): void {
    const c = tooDeep(v, MAX_JSON_DEPTH);
    // kube-apiserver's words for a body its decoder refuses for depth
    if (c) this.fail(`couldn't get version/kind; json parse error: ${exceededMaxDepth(c)}`);
  }
}

/**
 * zeroValue is what Go's decoder leaves for a null element of a list or map of type t: "", 0,
 * false, an empty struct; null where Go's zero value is nil (lists, maps, Time, RawExtension).
 */
function zeroValue(t: FieldType): unknown {
  switch (t.kind) {
    case 'string': return '';
    case 'integer': case 'number': return 0;
    case 'boolean': return false;
    case 'ref': {
      const def = getDefinition(t.name);
      if (!def) return null;
      switch (def.scalar) {
        case 'quantity': return '0';
        case 'int-or-string': return 0;
        case undefined: return {};
        default: return null;
      }
    }
    default: return null;
  }
}

function fitsInt(v: number, format: 'int32' | 'int64'): boolean {
  return format === 'int32' ? v >= -2147483648 && v <= 2147483647 : Number.isSafeInteger(v) || Math.abs(v) <= 9223372036854775807;
}

/** joinPath renders Kubernetes' field path: `spec.containers[0].name`. */
function joinPath(parts: string[]): string {
  return parts.join('.').replace(/\.\[/g, '[');
}
