import { parseQuantity as parseStrict } from '../apimachinery/quantity.js';

/** parseQuantity reads a quantity ("100m", "8Gi") as base units; 0 when absent, NaN when invalid (the agent never throws on a pod's values). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return parseStrict(q);
  } catch {
    return Number.NaN;
  }
}
