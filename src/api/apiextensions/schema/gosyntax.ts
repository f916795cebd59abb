/**
 * goValueText renders a decoded JSON value as Kubernetes field errors print a bad value: strings
 * quoted (%q), numbers and booleans plain (%v), lists and maps in Go syntax (%#v of
 * []interface{} and map[string]interface{}).
 */
import { goFloat } from './goformat.js';

/** goValueText renders a value as field.Error's ErrorBody does. */
export function goValueText(v: unknown): string {
  // A nil value is printed as the string "null", quoted.
  if (v === null || v === undefined) return '"null"';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  return goSharpV(v);
}

function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]interface {}{${entries.map(([k, x]) => `${JSON.stringify(k)}:${goSharpV(x)}`).join(', ')}}`;
}
