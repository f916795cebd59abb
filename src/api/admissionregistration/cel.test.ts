import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileAdmissionCEL, VALIDATION_VARIABLES, variablesValue } from './cel.js';

const run = (expr: string, vars: Record<string, unknown>, want: 'bool' | 'string' | 'any' = 'bool') => {
  const c = compileAdmissionCEL(expr, VALIDATION_VARIABLES, want);
  if ('error' in c) throw new Error(c.error);
  return c.program.evaluate(vars);
};

describe('admission CEL', () => {
  it('evaluates over the object, request and params', () => {
    const object = { spec: { replicas: 7 }, metadata: { labels: { app: 'web' } } };
    assert.deepEqual(run('object.spec.replicas <= 5', { object }), { value: false });
    assert.deepEqual(run("object.metadata.labels['app'] == 'web' && request.operation == 'CREATE'", { object, request: { operation: 'CREATE' } }), { value: true });
    assert.deepEqual(run('object.spec.replicas <= params.max', { object, params: { max: 10 } }), { value: true });
    assert.deepEqual(run("has(object.spec.paused)", { object }), { value: false });
    assert.deepEqual(run("oldObject == null", { object }), { value: true });
  });
  it('messageExpression results are strings', () => {
    assert.deepEqual(run("'replicas is ' + string(object.spec.replicas)", { object: { spec: { replicas: 7 } } }, 'string'), { value: 'replicas is 7' });
  });
  it('variables are bound by name', () => {
    const r = run('variables.big', { variables: variablesValue(new Map([['big', true]])) });
    assert.deepEqual(r, { value: true });
  });
  it('compile errors read as cel-go', () => {
    const c = compileAdmissionCEL('object.spec.replicas <', VALIDATION_VARIABLES, 'bool');
    assert.ok('error' in c && c.error.startsWith('compilation failed: ERROR: <input>:1:'), JSON.stringify(c));
    const u = compileAdmissionCEL('foo.bar == 1', VALIDATION_VARIABLES, 'bool');
    assert.ok('error' in u && u.error.includes("undeclared reference to 'foo'"), JSON.stringify(u));
    const s = compileAdmissionCEL("'x'", VALIDATION_VARIABLES, 'bool');
    assert.ok('error' in s && s.error === 'cel expression must evaluate to a bool', JSON.stringify(s));
  });
  it('a missing field is a runtime error', () => {
    const r = run('object.spec.missing > 1', { object: { spec: {} } });
    assert.ok('error' in r && /no such key: missing/.test(r.error), JSON.stringify(r));
  });
});
