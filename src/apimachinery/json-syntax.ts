/**
 * goJSONSyntaxError names the first syntax error of a JSON text in the words of Go's encoding/json
 * scanner, which is what kube-apiserver's decoder reports for a body it cannot parse
 * (`unexpected end of JSON input`, `invalid character 'a' looking for beginning of value`); it
 * returns undefined for valid JSON. V8's messages ("Unterminated string in JSON at position 30")
 * are not what a Kubernetes client expects to read.
 */

/** MAX_NESTING_DEPTH is Go's maxNestingDepth: deeper input is a syntax error there. */
const MAX_NESTING_DEPTH = 10000;

/** quoteChar renders a byte as Go's scanner quotes it in errors ('a', '\n', '\''). */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const esc: Record<number, string> = { 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x5c: '\\\\' };
  if (esc[c]) return `'${esc[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

class SyntaxError_ extends Error {}

/** goJSONSyntaxError scans `data` as Go's json.Unmarshal would before decoding. */
export function goJSONSyntaxError(data: Uint8Array): string | undefined {
  let i = 0;
  let depth = 0;
  const n = data.length;
  const fail = (c: number, context: string): never => { throw new SyntaxError_(`invalid character ${quoteChar(c)} ${context}`); };
  const eof = (): never => { throw new SyntaxError_('unexpected end of JSON input'); };
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  const skip = () => { while (i < n && isSpace(data[i])) i++; };
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
  const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= n) eof();
      if (data[i] !== word.charCodeAt(k)) fail(data[i], `in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= n) eof();
      const c = data[i];
      if (c === 0x22) { i++; return; }
      if (c < 0x20) fail(c, 'in string literal');
      if (c === 0x5c) {
        i++;
        if (i >= n) eof();
        const e = data[i];
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) eof();
            if (!isHex(data[i])) fail(data[i], 'in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          fail(e, 'in string escape code');
        }
      }
      i++;
    }
  };
  const number = () => {
    if (data[i] === 0x2d) {
      i++;
      if (i >= n) eof();
      if (!isDigit(data[i])) fail(data[i], 'in numeric literal');
    }
    if (data[i] === 0x30) i++;
    else while (i < n && isDigit(data[i])) i++;
    if (i < n && data[i] === 0x2e) {
      i++;
      if (i >= n) eof();
      if (!isDigit(data[i])) fail(data[i], 'after decimal point in numeric literal');
      while (i < n && isDigit(data[i])) i++;
    }
    if (i < n && (data[i] === 0x65 || data[i] === 0x45)) {
      i++;
      if (i < n && (data[i] === 0x2b || data[i] === 0x2d)) i++;
      if (i >= n) eof();
      if (!isDigit(data[i])) fail(data[i], 'in exponent of numeric literal');
      while (i < n && isDigit(data[i])) i++;
    }
  };
  const push = (c: number) => {
    depth++;
    if (depth > MAX_NESTING_DEPTH) fail(c, 'exceeded max depth');
  };
  // value parses one value iteratively-enough: containers recurse, bounded by MAX_NESTING_DEPTH
  // frames, which is why the depth check comes before descending.
  const value = (context: string) => {
    skip();
    if (i >= n) eof();
    const c = data[i];
    if (c === 0x7b) {
      push(c);
      i++;
      skip();
      if (i >= n) eof();
      if (data[i] === 0x7d) { i++; depth--; return; }
      for (;;) {
        skip();
        if (i >= n) eof();
        if (data[i] !== 0x22) fail(data[i], 'looking for beginning of object key string');
        string();
        skip();
        if (i >= n) eof();
        if (data[i] !== 0x3a) fail(data[i], 'after object key');
        i++;
        value('looking for beginning of value');
        skip();
        if (i >= n) eof();
        if (data[i] === 0x2c) { i++; continue; }
        if (data[i] === 0x7d) { i++; depth--; return; }
        fail(data[i], 'after object key:value pair');
      }
    }
    if (c === 0x5b) {
      push(c);
      i++;
      skip();
      if (i >= n) eof();
      if (data[i] === 0x5d) { i++; depth--; return; }
      for (;;) {
        value('looking for beginning of value');
        skip();
        if (i >= n) eof();
        if (data[i] === 0x2c) { i++; continue; }
        if (data[i] === 0x5d) { i++; depth--; return; }
        fail(data[i], 'after array element');
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) return literal('true');
    if (c === 0x66) return literal('false');
    if (c === 0x6e) return literal('null');
    fail(c, context);
  };
  try {
    value('looking for beginning of value');
    skip();
    if (i < n) fail(data[i], 'after top-level value');
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxError_) return e.message;
    // a stack overflow before Go's depth limit: still a body Go would refuse for its depth
    if (e instanceof RangeError) return `invalid character '[' exceeded max depth`;
    throw e;
  }
}
