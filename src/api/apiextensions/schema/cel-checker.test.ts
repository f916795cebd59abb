import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@bufbuild/cel';
import type { JSONSchemaProps } from '../types.js';
import { checkExpr, formatIssues } from './cel-checker.js';
import { escapeName, schemaDeclType, unescapeName } from './cel-decltype.js';
import { formatType, type CelT } from './cel-types.js';

const spec: JSONSchemaProps = {
  type: 'object',
  properties: {
    replicas: { type: 'integer' },
    ratio: { type: 'number' },
    name: { type: 'string' },
    port: { 'x-kubernetes-int-or-string': true },
    tags: { type: 'array', items: { type: 'string' } },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    when: { type: 'string', format: 'date-time' },
    nested: { type: 'object', properties: { a: { type: 'boolean' } } },
  },
};

/** check type-checks src with self typed by the spec schema; returns the type or cel-go's error text. */
function check(src: string): string {
  const self = schemaDeclType(spec, false, 'selfType1')!;
  const vars = new Map<string, CelT>([['self', self], ['oldSelf', self]]);
  const r = checkExpr(parse(src), vars, src);
  return r.issues.length ? formatIssues(src, r.issues) : formatType(r.type);
}

describe('CEL type checker', () => {
  it('types schema nodes as Kubernetes does', () => {
    assert.equal(check('self'), 'selfType1');
    assert.equal(check('self.nested'), 'selfType1.nested');
    assert.equal(check('self.tags'), 'list(string)');
    assert.equal(check('self.labels'), 'map(string, string)');
    assert.equal(check('self.port'), 'dyn');
    assert.equal(check('self.when'), 'timestamp');
    assert.equal(check('self.ratio'), 'double');
    assert.equal(check('self.tags.map(t, t.size())'), 'list(int)');
    assert.equal(check("self.labels.filter(k, k.startsWith('a'))"), 'list(string)');
    assert.equal(check('[1, 2].exists(x, x > self.replicas)'), 'bool');
    assert.equal(check('self.port == 80 || self.port == "http"'), 'bool');
    assert.equal(check('has(self.nested.a) ? self.nested.a : false'), 'bool');
    assert.equal(check("quantity('1').add(1)"), 'kubernetes.Quantity');
    assert.equal(check('type(self.replicas) == int'), 'bool');
  });

  it('reports errors as cel-go does', () => {
    assert.equal(check('self.nested.b'), "ERROR: <input>:1:12: undefined field 'b'\n | self.nested.b\n | ...........^");
    assert.equal(check('self.name.foo'), "ERROR: <input>:1:10: type 'string' does not support field selection\n | self.name.foo\n | .........^");
    assert.equal(check('self.replicas == self.name'), "ERROR: <input>:1:15: found no matching overload for '_==_' applied to '(int, string)'\n | self.replicas == self.name\n | ..............^");
    assert.equal(check('self.name.startsWith(1)'), "ERROR: <input>:1:21: found no matching overload for 'startsWith' applied to 'string.(int)'\n | self.name.startsWith(1)\n | ....................^");
    assert.equal(check('self.replicas.all(x, x)'), "ERROR: <input>:1:5: expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)\n | self.replicas.all(x, x)\n | ....^");
    assert.equal(check('self.replicas && true'), "ERROR: <input>:1:5: expected type 'bool' but found 'int'\n | self.replicas && true\n | ....^");
    assert.equal(check('nope(self)'), "ERROR: <input>:1:5: undeclared reference to 'nope' (in container '')\n | nope(self)\n | ....^");
    assert.equal(check('[1, "a"] == [1]'), "ERROR: <input>:1:5: expected type 'int' but found 'string'\n | [1, \"a\"] == [1]\n | ....^");
    assert.equal(check("timestamp('yesterday') < self.when"), "ERROR: <input>:1:11: invalid timestamp argument\n | timestamp('yesterday') < self.when\n | ..........^");
  });

  it('reports every error, sorted by position, wide characters marked as cel-go marks them', () => {
    assert.equal(check("'é' + x + y"), "ERROR: <input>:1:7: undeclared reference to 'x' (in container '')\n | 'é' + x + y\n | .．....^\nERROR: <input>:1:11: undeclared reference to 'y' (in container '')\n | 'é' + x + y\n | .．........^");
  });

  it('escapes property names that are not CEL identifiers', () => {
    assert.equal(escapeName('namespace'), '__namespace__');
    assert.equal(escapeName('x-y.z/w'), 'x__dash__y__dot__z__slash__w');
    assert.equal(escapeName('a__b'), 'a__underscores__b');
    assert.equal(escapeName('1abc'), undefined);
    assert.equal(escapeName('a b'), undefined);
    assert.equal(unescapeName('x__dash__y__dot__z'), 'x-y.z');
  });
});
