import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, fieldErrorMessage } from '../apimachinery/errors.js';
import { checkListOptions, defaultListOptions, exactFieldValue, parseResourceVersion, servedFromCache, validateListOptions, type ListQuery } from './list-options.js';

const messages = (q: ListQuery) => validateListOptions(defaultListOptions(q)).map(fieldErrorMessage);

test('validateListOptions: the combinations Kubernetes refuses, with its messages', () => {
  const cases: [string, ListQuery, string[]][] = [
    ['plain list', { watch: false }, []],
    ['list NotOlderThan at a version', { watch: false, resourceVersion: '5', resourceVersionMatch: 'NotOlderThan' }, []],
    ['list Exact at a version', { watch: false, resourceVersion: '5', resourceVersionMatch: 'Exact' }, []],
    ['list match without a version', { watch: false, resourceVersionMatch: 'NotOlderThan' }, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided']],
    ['list match with continue', { watch: false, resourceVersion: '5', resourceVersionMatch: 'NotOlderThan', continue: 'x' }, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided']],
    ['list unknown match', { watch: false, resourceVersion: '5', resourceVersionMatch: 'Newest' }, ['resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""']],
    ['list Exact at 0', { watch: false, resourceVersion: '0', resourceVersionMatch: 'Exact' }, ['resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"']],
    ['list sendInitialEvents', { watch: false, sendInitialEvents: true }, ['sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list']],
    ['legacy watch', { watch: true }, []],
    ['streaming watch', { watch: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true }, []],
    ['watch sendInitialEvents without match', { watch: true, sendInitialEvents: true }, ['resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan']],
    ['watch match without sendInitialEvents', { watch: true, resourceVersion: '5', resourceVersionMatch: 'NotOlderThan' }, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided']],
    ['watch Exact', { watch: true, sendInitialEvents: true, resourceVersionMatch: 'Exact' }, [
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
    ]],
  ];
  for (const [name, q, want] of cases) assert.deepEqual(messages(q), want, name);
});

test('defaultListOptions: a watch from "" or "0" becomes a streaming watch (WatchList on in 1.32); others are left alone', () => {
  assert.deepEqual(defaultListOptions({ watch: true }), { watch: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' });
  assert.equal(defaultListOptions({ watch: true, resourceVersion: '0' }).sendInitialEvents, true);
  assert.equal(defaultListOptions({ watch: true, resourceVersion: '7' }).sendInitialEvents, undefined);
  assert.equal(defaultListOptions({ watch: true, sendInitialEvents: false, resourceVersionMatch: 'NotOlderThan' }).sendInitialEvents, false);
  assert.equal(defaultListOptions({ watch: false }).sendInitialEvents, undefined);
});

test('checkListOptions: a refused combination is a 422 on ListOptions.meta.k8s.io', () => {
  assert.throws(() => checkListOptions({ watch: false, resourceVersionMatch: 'NotOlderThan' }), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 422);
    assert.equal(e.message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    return true;
  });
});

test('servedFromCache: continuations, Exact and paged reads at a version go to storage; "0" ignores limit', () => {
  assert.equal(servedFromCache({ resourceVersion: '0', limit: 500 }), true);
  assert.equal(servedFromCache({}), true);
  assert.equal(servedFromCache({ resourceVersion: '9', resourceVersionMatch: 'NotOlderThan' }), true);
  assert.equal(servedFromCache({ limit: 500 }), false);
  assert.equal(servedFromCache({ resourceVersion: '9', limit: 500 }), false);
  assert.equal(servedFromCache({ continue: 'abc' }), false);
  assert.equal(servedFromCache({ resourceVersion: '9', resourceVersionMatch: 'Exact' }), false);
});

test('parseResourceVersion: "" and "0" are 0; junk is a 400', () => {
  assert.equal(parseResourceVersion(''), 0);
  assert.equal(parseResourceVersion('42'), 42);
  assert.throws(() => parseResourceVersion('x1'), /invalid resource version: x1/);
  assert.throws(() => parseResourceVersion('-3'), /invalid resource version: -3/);
});

test('exactFieldValue: the value a field selector pins, else undefined', () => {
  assert.equal(exactFieldValue('spec.nodeName=n1', 'spec.nodeName'), 'n1');
  assert.equal(exactFieldValue('status.phase!=Failed,spec.nodeName==n2', 'spec.nodeName'), 'n2');
  assert.equal(exactFieldValue('spec.nodeName=', 'spec.nodeName'), '');
  assert.equal(exactFieldValue('spec.nodeName!=n1', 'spec.nodeName'), undefined);
  assert.equal(exactFieldValue('metadata.name=a', 'spec.nodeName'), undefined);
  assert.equal(exactFieldValue(undefined, 'spec.nodeName'), undefined);
});
