import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote } from './go-quote.js';

test('goQuote escapes as Go\'s strconv.Quote: short escapes, \\x for C0 and DEL, \\u for C1 and line separators, printable as is', () => {
  assert.equal(goQuote('plain'), '"plain"');
  assert.equal(goQuote('say "hi"\n'), '"say \\"hi\\"\\n"');
  assert.equal(goQuote('a\tb\\c\x07\x01\x7f\u0085\u2028é'), '"a\\tb\\\\c\\a\\x01\\x7f\\u0085\\u2028é"');
  // a lone surrogate (no character) is U+FFFD, as Go decodes it
  assert.equal(goQuote('x\ud800y'), '"x\ufffdy"');
});
