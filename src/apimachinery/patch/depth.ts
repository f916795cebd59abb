/**
 * Nesting depth of decoded JSON. Go's decoder refuses JSON nested deeper than 10,000 levels; tskube
 * stops at a lower depth because its copies, comparisons and encoders recurse (JavaScript's stack
 * ends at a few thousand levels) and a request must never overflow it. No Kubernetes object comes
 * near: the deepest built-in types nest a few dozen levels.
 */

/** MAX_JSON_DEPTH is how deep a decoded body, patch or free-form field may nest. */
export const MAX_JSON_DEPTH = 1000;

/**
 * tooDeep returns the opening character (`{` or `[`) of the first object or array nested more than
 * `max` levels inside v, or undefined. Iterative, so any depth is safe to measure.
 */
export function tooDeep(v: unknown, max: number): '{' | '[' | undefined {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d >= max) return Array.isArray(x) ? '[' : '{';
    for (const child of Array.isArray(x) ? x : Object.values(x)) {
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
    }
  }
  return undefined;
}

/** exceededMaxDepth is Go's JSON syntax error for such a value ("invalid character '{' exceeded max depth"). */
export function exceededMaxDepth(c: '{' | '['): string {
  return `invalid character '${c}' exceeded max depth`;
}
