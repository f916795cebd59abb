/**
 * Nesting depth of decoded JSON. Go's decoder refuses JSON nested deeper than 10,000 levels; tskube
 * stops at a lower depth because its copies, comparisons and encoders recurse (JavaScript's stack
 * ends at a few thousand levels) and a request must never overflow it. No Kubernetes object comes
 * near: the deepest built-in types nest a few dozen levels.
 */

/** MAX_JSON_DEPTH is how deep a decoded body, patch or free-form field may nest. */
export const MAX_JSON_DEPTH = 1000;

/** exceedsDepth reports whether v nests deeper than max levels of arrays and objects (iteratively, so any depth is safe to measure). */
export function exceedsDepth(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d >= max) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x)) {
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
    }
  }
  return false;
}
