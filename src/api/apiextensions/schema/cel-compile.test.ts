import test from 'node:test';
import assert from 'node:assert/strict';
import { parseAndCheck } from './cel-compile.js';
import { T, type CelT } from './cel-types.js';

const vars = new Map<string, CelT>([['x', T.int]]);

test('parseAndCheck: a clean expression comes back parsed, with its type', () => {
  const r = parseAndCheck('x + 1 > 2', vars);
  assert.ok(!('issues' in r));
  assert.equal(r.checked.type.kind, 'bool');
});

test('parseAndCheck: a syntax error reads as cel-go\'s, located on its line and column', () => {
  const r = parseAndCheck('x >\n  ', vars);
  assert.ok('issues' in r);
  assert.match(r.issues, /^ERROR: <input>:\d+:\d+: Syntax error: /);
  const second = parseAndCheck('x > 1 &&\nx >', vars);
  assert.ok('issues' in second);
  assert.match(second.issues, /^ERROR: <input>:2:\d+: Syntax error: .*\n \| x >\n \| /);
});

test('parseAndCheck: a type error is the checker\'s, unprefixed', () => {
  const r = parseAndCheck("x+'a'", vars);
  assert.ok('issues' in r);
  assert.equal(r.issues, "ERROR: <input>:1:2: found no matching overload for '_+_' applied to '(int, string)'\n | x+'a'\n | .^");
});
