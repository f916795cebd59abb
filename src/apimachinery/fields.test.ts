import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './errors.js';
import {
  escapeFieldValue, fieldSelectorFields, fieldSelectorString, matchesFields, parseFieldSelector, requiresExactMatch,
} from './fields.js';

test('parseFieldSelector parses terms and escapes', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['metadata.name=x', 'metadata.name=x'],
    ['metadata.name==x', 'metadata.name=x'],
    ['status.phase!=Running', 'status.phase!=Running'],
    ['spec.nodeName=n1,metadata.name=p', 'metadata.name=p,spec.nodeName=n1'],
    ['a=', 'a='],
    ['a=b\\,c', 'a=b\\,c'],
    ['a=b\\=c\\\\', 'a=b\\=c\\\\'],
    [',a=b,', 'a=b'],
  ];
  for (const [input, want] of cases) assert.equal(fieldSelectorString(parseFieldSelector(input)), want, input);
  assert.equal(parseFieldSelector('a=b\\,c').terms[0].value, 'b,c');
});

test('parseFieldSelector errors match Kubernetes', () => {
  const cases: Array<[string, string]> = [
    ['foo', "invalid selector: 'foo'; can't understand 'foo'"],
    ['a=b,bar', "invalid selector: 'a=b,bar'; can't understand 'bar'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseFieldSelector(input), (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === message, input);
  }
});

test('matchesFields treats missing fields as empty', () => {
  const obj: Record<string, string> = { 'metadata.name': 'p1', 'spec.nodeName': 'n1' };
  const get = (f: string) => obj[f];
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['metadata.name=p1', true],
    ['metadata.name=p2', false],
    ['metadata.name!=p2', true],
    ['spec.nodeName=n1,metadata.name=p1', true],
    ['status.phase=', true],
    ['status.phase!=', false],
    ['status.phase!=Running', true],
  ];
  for (const [sel, want] of cases) assert.equal(matchesFields(parseFieldSelector(sel), get), want, sel);
});

test('fieldSelectorFields and requiresExactMatch', () => {
  const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed,spec.nodeName=n1');
  assert.deepEqual(fieldSelectorFields(sel), ['spec.nodeName', 'status.phase']);
  assert.equal(requiresExactMatch(sel, 'spec.nodeName'), 'n1');
  assert.equal(requiresExactMatch(sel, 'status.phase'), undefined);
  assert.equal(requiresExactMatch(parseFieldSelector('spec.nodeName='), 'spec.nodeName'), '');
  assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
});
