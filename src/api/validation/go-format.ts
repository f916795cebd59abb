/**
 * Renderers for values that Kubernetes prints with Go's %#v in field errors, so messages read
 * exactly as kube-apiserver's (`map[string]string{"app":"bar"}`).
 */
import { isObj, type Obj } from '../common/obj.js';
import { goQuote } from '../../util/go-quote.js';

/** goStringMap renders map[string]string (keys sorted, as Go's fmt sorts map keys). */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

/** goStringSlice renders []string. */
export function goStringSlice(s: string[] | undefined | null): string {
  if (!s) return '[]string(nil)';
  return `[]string{${s.map(goQuote).join(', ')}}`;
}

/** goLabelSelector renders a metav1.LabelSelector (dereferenced pointer). */
export function goLabelSelector(sel: unknown): string {
  if (!isObj(sel)) return 'null';
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${(sel.matchExpressions as unknown[]).map((x) => (isObj(x) ? x : {})).map((e: Obj) =>
      `v1.LabelSelectorRequirement{Key:${goQuote(String(e.key ?? ''))}, Operator:${goQuote(String(e.operator ?? ''))}, Values:${goStringSlice(e.values)}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}
