import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJSONSyntaxError } from './json-syntax.js';

const err = (s: string) => goJSONSyntaxError(Buffer.from(s));

test('valid JSON has no syntax error', () => {
  for (const s of ['{}', '[]', ' {"a":[1,-2.5e+3,true,false,null,"x\\u00e9\\n"]} ', '0', '"s"']) assert.equal(err(s), undefined, s);
});

test("syntax errors read as Go's encoding/json scanner words them", () => {
  const cases: [string, string][] = [
    ['', 'unexpected end of JSON input'],
    ['{"apiVersion":"v1","kind":"Pod', 'unexpected end of JSON input'],
    ['apiVersion: v1', "invalid character 'a' looking for beginning of value"],
    ['{x', "invalid character 'x' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['{} {}', "invalid character '{' after top-level value"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
  ];
  for (const [input, want] of cases) assert.equal(err(input), want, input);
});

test('nesting past 10000 levels is the scanner error, not a stack overflow', () => {
  assert.equal(err('['.repeat(10001) + ']'.repeat(10001)), "invalid character '[' exceeded max depth");
  // (only a body JSON.parse refused is scanned; a stack deep enough for Go's limit is not promised)
  assert.equal(err('['.repeat(8000) + ']'.repeat(8000)), undefined);
});
