/**
 * A local quantity check for validation ("100m", "8Gi", "1e3"): parses a Kubernetes
 * resource.Quantity into a number, or throws with Kubernetes' message when malformed.
 */

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const SUFFIXES: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** QUANTITY_FORMAT_ERROR is Kubernetes' message for a malformed quantity. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-](?:0|[1-9]\\d*)(?:\\.\\d+)?|(?:0|[1-9]\\d*)(?:\\.\\d+)?)(?:[eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** parseQuantity returns the numeric value of a quantity string or number; throws when invalid. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(QUANTITY_FORMAT_ERROR);
    return q;
  }
  const m = QUANTITY_RE.exec(q.trim());
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) throw new Error(QUANTITY_FORMAT_ERROR);
  const num = Number(m[1]);
  const suffix = m[2];
  if (suffix in SUFFIXES) return num * SUFFIXES[suffix];
  const exp = /^[eE]([-+]?\d+)$/.exec(suffix);
  if (exp) return num * 10 ** Number(exp[1]);
  throw new Error(QUANTITY_FORMAT_ERROR);
}

/** tryParseQuantity returns undefined instead of throwing. */
export function tryParseQuantity(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try { return parseQuantity(q); } catch { return undefined; }
}
