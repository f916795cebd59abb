/**
 * Go (RE2) regular expressions for find()/findAll(): a pattern is first checked with RE2's own
 * parser (@bufbuild/re2, so invalid patterns fail with Go's `error parsing regexp: …`), then run
 * as the equivalent JavaScript RegExp (both pick the leftmost-first match). The RE2-only syntax
 * CRD authors use is translated: leading inline flags `(?i)`/`(?s)`/`(?m)`, `(?P<name>`, `\A`,
 * `\z`, POSIX classes `[[:alpha:]]` and `\pL`.
 */
import { RE2JS } from '@bufbuild/re2';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const compiled = new Map<string, RegExp>();

/** goRegExp compiles a Go regular expression (global for findAll); throws `Illegal regex: …`. */
export function goRegExp(pattern: string, global: boolean): RegExp {
  const key = `${global ? 'g' : '-'}${pattern}`;
  const hit = compiled.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`Illegal regex: ${(e as Error).message}`);
  }
  let src = pattern;
  let flags = global ? 'g' : '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => (POSIX[name] ? (neg ? `^${POSIX[name]}` : POSIX[name]) : m))
    .replace(/\\([pP])([A-Z])/g, '\\$1{$2}');
  if (/\\[pP]\{/.test(src)) flags += 'u';
  let re: RegExp;
  try {
    re = new RegExp(src, flags);
  } catch (e) {
    throw new Error(`Illegal regex: ${(e as Error).message}`);
  }
  if (compiled.size > 500) compiled.clear();
  compiled.set(key, re);
  return re;
}
