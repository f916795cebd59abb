/**
 * compileGoRegexp compiles a schema `pattern` (Go RE2 syntax, as Kubernetes compiles it) into a
 * JavaScript RegExp: leading flag groups become flags, `(?P<name>` a named group, `\A`/`\z`
 * anchors; what RE2 refuses (look-arounds, back-references) is an error with Go's wording.
 */
const cache = new Map<string, RegExp | Error>();

/** compileGoRegexp returns the RegExp, or an Error whose message is Go's regexp.Compile error. */
export function compileGoRegexp(pattern: string): RegExp | Error {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const out = translate(pattern);
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, out);
  return out;
}

function translate(pattern: string): RegExp | Error {
  const perl = /\(\?(?:=|!|<=|<!)/.exec(pattern);
  if (perl) return new Error(`error parsing regexp: invalid or unsupported Perl syntax: \`${perl[0]}\``);
  const backref = /\\[1-9]/.exec(pattern);
  if (backref) return new Error(`error parsing regexp: invalid escape sequence: \`${backref[0]}\``);
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  src = src.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])');
  if (/\\[pP]\{/.test(src)) flags += 'u';
  try {
    return new RegExp(src, flags);
  } catch (e) {
    return new Error(`error parsing regexp: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}
