import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectorMatches, validateLabelSelector } from './labels.js';
import { goLabelSelector } from './go-format.js';
import { fieldErrorMessage } from '../../apimachinery/errors.js';

// Before: each of these read `.values`/`.key` of the null element and threw (a 500 for the request).
test('a null requirement reads as the empty one, not a crash', () => {
  const sel = { matchLabels: { app: 'a' }, matchExpressions: [null, { key: 'legacy', operator: 'DoesNotExist' }] };
  assert.deepEqual(validateLabelSelector(sel, 'spec.selector').map(fieldErrorMessage), [
    'spec.selector.matchExpressions[0].operator: Invalid value: "": not a valid selector operator',
    'spec.selector.matchExpressions[0].key: Invalid value: "": name part must be non-empty',
    "spec.selector.matchExpressions[0].key: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
  assert.equal(selectorMatches(sel, { app: 'a' }), false);
  assert.equal(goLabelSelector({ matchExpressions: [null] }),
    'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"", Operator:"", Values:[]string(nil)}}}');
});

test('selectorMatches: labels, In, NotIn, Exists, DoesNotExist', () => {
  const sel = { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }, { key: 'legacy', operator: 'DoesNotExist' }] };
  assert.equal(selectorMatches(sel, { app: 'a', tier: 'web' }), true);
  assert.equal(selectorMatches(sel, { app: 'a', tier: 'db' }), false);
  assert.equal(selectorMatches(sel, { app: 'a', tier: 'web', legacy: '' }), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, { x: '1' }), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['1'] }] }, { x: '1' }), false);
});
