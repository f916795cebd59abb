/**
 * goQuote quotes s as Go's strconv.Quote and %q do: quotes, backslashes and control characters
 * escaped (\n, \a, \x01, \u0085), printable characters as they are. Kubernetes' messages quote
 * values this way, and the kubelet's downward API files (a multi-line annotation stays on one line).
 */
export function goQuote(s: string): string {
  const short: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (short[ch]) out += short[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    // C1 controls and the line/paragraph separators are not printable for Go either
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0x2028 || cp === 0x2029) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    // a lone surrogate is no character: Go, decoding the JSON, holds U+FFFD
    else if (cp >= 0xd800 && cp < 0xe000) out += '\ufffd';
    else out += ch;
  }
  return out + '"';
}
