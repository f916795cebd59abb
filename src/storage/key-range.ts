/**
 * keyRangeEnd returns the smallest string greater than every string that starts with `prefix`,
 * or null when the prefix is empty (the range is unbounded). Keys are compared by code point,
 * which for valid strings is the same order as UTF-8 bytes (SQLite's BINARY collation, etcd).
 */
export function keyRangeEnd(prefix: string): string | null {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    // U+10FFFF cannot be incremented: drop it and carry into the previous character.
    if (last < 0x10ffff) {
      let next = last + 1;
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // skip surrogates: not valid code points
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}

/** compareKeys orders keys by code point (UTF-8 byte order), unlike `<` which compares UTF-16 units. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: for strings without surrogates UTF-16 order equals code point order.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1; // a surrogate pair encodes a code point above every BMP unit
      return x - y;
    }
  }
  return a.length - b.length;
}
