import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './errors.js';
import {
  formatLabelSelector, labelSelectorFromSet, labelSelectorFromSpec, labelSelectorString, matchesLabels,
  parseLabelSelector, requiresExactLabelMatch, selectorIsEmpty,
} from './labels.js';

const nameRegex = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRegex = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('parseLabelSelector parses and re-renders selectors', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['   ', ''],
    ['app=web', 'app=web'],
    ['app==web', 'app==web'],
    ['app!=web', 'app!=web'],
    ['tier in (b,a)', 'tier in (a,b)'],
    ['tier notin (x)', 'tier notin (x)'],
    ['app', 'app'],
    ['!canary', '!canary'],
    ['z=1,a=2', 'a=2,z=1'],
    [' app = web , tier in ( a , b ) ', 'app=web,tier in (a,b)'],
    ['example.com/role=db', 'example.com/role=db'],
    ['a=', 'a='],
    ['a in (in,notin)', 'a in (in,notin)'],
    ['in=x', 'in=x'],
    ['a in ()', 'a in ()'],
    ['a in (,b)', 'a in (,b)'],
    ['n>3,m<5', 'm<5,n>3'],
  ];
  for (const [input, want] of cases) assert.equal(labelSelectorString(parseLabelSelector(input)), want, input);
});

test('parseLabelSelector rejects bad syntax with Kubernetes messages', () => {
  const cases: Array<[string, string]> = [
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['A_=x', `unable to parse requirement: <nil>: Invalid value: "A_": ${nameRegex}`],
    ['a=b_', `unable to parse requirement: values[0][a]: Invalid value: "b_": ${valueRegex}`],
    ['a>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseLabelSelector(input), (e: unknown) => {
      assert.ok(e instanceof Error, `${input} should fail`);
      assert.ok(e instanceof StatusError, input);
      assert.equal(e.code, 400, input);
      assert.equal(e.reason, 'BadRequest', input);
      assert.equal(e.message, message, input);
      return true;
    });
  }
});

test('matchesLabels follows Kubernetes requirement semantics', () => {
  const labels = { app: 'web', tier: 'fe', n: '7' };
  const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['missing!=x', labels, true],
    ['missing=x', labels, false],
    ['tier in (fe,be)', labels, true],
    ['tier in (be)', labels, false],
    ['tier notin (be)', labels, true],
    ['missing notin (be)', labels, true],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['app=web,tier=be', labels, false],
    ['n>5', labels, true],
    ['n<5', labels, false],
    ['app>5', labels, false],
    ['app=web', undefined, false],
    ['!app', undefined, true],
  ];
  for (const [sel, l, want] of cases) assert.equal(matchesLabels(parseLabelSelector(sel), l), want, `${sel} on ${JSON.stringify(l)}`);
});

test('labelSelectorFromSpec: nil selects nothing, empty selects everything', () => {
  assert.equal(matchesLabels(labelSelectorFromSpec(undefined), { a: 'b' }), false);
  assert.equal(matchesLabels(labelSelectorFromSpec(null), {}), false);
  assert.equal(selectorIsEmpty(labelSelectorFromSpec(undefined)), false);
  assert.equal(matchesLabels(labelSelectorFromSpec({}), { a: 'b' }), true);
  assert.equal(selectorIsEmpty(labelSelectorFromSpec({ matchLabels: {} })), true);

  const sel = labelSelectorFromSpec({
    matchLabels: { app: 'nginx' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['fe', 'be'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'env', operator: 'Exists' },
      { key: 'zone', operator: 'NotIn', values: ['z1'] },
    ],
  });
  assert.equal(labelSelectorString(sel), 'app=nginx,!canary,env,tier in (be,fe),zone notin (z1)');
  assert.equal(matchesLabels(sel, { app: 'nginx', tier: 'fe', env: 'prod' }), true);
  assert.equal(matchesLabels(sel, { app: 'nginx', tier: 'fe', env: 'prod', canary: '1' }), false);
  assert.equal(matchesLabels(sel, { app: 'nginx', tier: 'fe', env: 'prod', zone: 'z1' }), false);
});

// Before: a null requirement threw a TypeError whose text became the 400's message, and an operator
// named after an Object.prototype member ("constructor") was taken for a known one.
test('labelSelectorFromSpec reads a null requirement as the empty one, as Go decodes it', () => {
  const odd = (spec: unknown) => labelSelectorFromSpec(spec as Parameters<typeof labelSelectorFromSpec>[0]);
  assert.throws(() => odd({ matchExpressions: [null] }), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === '"" is not a valid label selector operator');
  assert.throws(() => odd({ matchExpressions: [{ key: 'a', operator: 'constructor' }] }), (e: unknown) => e instanceof StatusError && e.message === '"constructor" is not a valid label selector operator');
  assert.equal(labelSelectorString(odd({ matchLabels: { a: null }, matchExpressions: [{ key: 'b', operator: 'In', values: [null, 'x'] }] })), 'a=,b in (,x)');
});

test('labelSelectorFromSpec rejects invalid specs', () => {
  const cases: Array<[Parameters<typeof labelSelectorFromSpec>[0], string]> = [
    [{ matchExpressions: [{ key: 'a', operator: 'Foo' }] }, '"Foo" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'],
    [{ matchLabels: { 'a b': 'x' } }, `key: Invalid value: "a b": ${nameRegex}`],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => labelSelectorFromSpec(spec), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === message, message);
  }
});

test('formatLabelSelector renders specs as kubectl describe shows them', () => {
  assert.equal(formatLabelSelector({ matchLabels: { app: 'nginx', tier: 'fe' } }), 'app=nginx,tier=fe');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
});

test('labelSelectorFromSet and requiresExactLabelMatch', () => {
  const sel = labelSelectorFromSet({ b: '2', a: '1' });
  assert.equal(labelSelectorString(sel), 'a=1,b=2');
  assert.equal(matchesLabels(sel, { a: '1', b: '2', c: '3' }), true);
  assert.equal(matchesLabels(sel, { a: '1' }), false);
  assert.equal(selectorIsEmpty(labelSelectorFromSet(undefined)), true);
  assert.equal(requiresExactLabelMatch(sel, 'a'), '1');
  assert.equal(requiresExactLabelMatch(parseLabelSelector('x in (1,2)'), 'x'), undefined);
  assert.equal(requiresExactLabelMatch(parseLabelSelector('x in (1)'), 'x'), '1');
});

test('words that are Object.prototype members are identifiers, never operators', () => {
  // the key itself is then validated as a label key, as in Kubernetes
  assert.throws(() => parseLabelSelector('__proto__'), /name part must consist of alphanumeric characters/);
  assert.equal(parseLabelSelector('constructor').requirements[0].key, 'constructor');
  assert.equal(parseLabelSelector('toString in (valueOf)').requirements[0].key, 'toString');
});
