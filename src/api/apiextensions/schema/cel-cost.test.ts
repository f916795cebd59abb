import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../types.js';
import { newCELEngine } from './cel-engine.js';

const engine = newCELEngine();

/** maxCost compiles a rule on a schema node and returns its estimated worst-case cost. */
function maxCost(rule: string, schema: JSONSchemaProps): bigint {
  const c = engine.compile(rule, schema, { kind: 'rule', isResourceRoot: false });
  if ('error' in c) throw new Error(c.error);
  return c.maxCost!;
}

type Gen = (limit?: number) => JSONSchemaProps;
const scalar = (t: string): JSONSchemaProps => (['duration', 'date', 'date-time'].includes(t) ? { type: 'string', format: t } : t === 'int-or-string' ? { 'x-kubernetes-int-or-string': true } : { type: t });
const list = (item: JSONSchemaProps): Gen => (n) => ({ type: 'array', items: item, ...(n === undefined ? {} : { maxItems: n }) });
const map = (value: JSONSchemaProps): Gen => (n) => ({ type: 'object', additionalProperties: value, ...(n === undefined ? {} : { maxProperties: n }) });
const str: Gen = (n) => ({ type: 'string', ...(n === undefined ? {} : { maxLength: n }) });
const item: JSONSchemaProps = { type: 'object', required: ['required'], properties: { required: { type: 'string' }, optional: { type: 'string' } } };

describe('CEL cost estimation (as Kubernetes estimates CRD rules)', () => {
  // [rule, schema, cost with sizes estimated from the request size, limit, cost with that maxItems/maxLength/maxProperties]
  const cases: [string, Gen, bigint, number, bigint][] = [
    ['self.all(x, true)', list(scalar('number')), 4718591n, 10, 32n],
    ['self.all(x, true)', list(scalar('string')), 3145727n, 20, 62n],
    ['self.all(x, true)', list(item), 555128n, 50, 152n],
    ['self.all(x, true)', map(scalar('boolean')), 943718n, 100, 302n],
    ['self.all(x, true)', list(scalar('date-time')), 428963n, 25, 77n],
    ['self.all(x, true)', map(scalar('duration')), 1048577n, 5, 17n],
    ["self.contains('test')", str, 314574n, 10, 5n],
    ["self.startsWith('test')", str, 2n, 15, 2n],
    ['size(self + "hello") > size("hello")', str, 314578n, 4, 7n],
    ['self.matches("x")', str, 314574n, 50, 22n],
    ['self[1] == self[1]', list(scalar('string')), 314577n, 8, 314577n],
    ['self[0] == 5', list(scalar('int-or-string')), 3n, 10, 3n],
    ['self[0].x > 2.0', list(map(scalar('number'))()), 4n, 3000, 4n],
    ['self.all(x, x.y == 25.2)', list(map(scalar('number'))()), 6291452n, 12, 74n],
    ['self.all(x, self.all(y, self.all(z, true)))', list(scalar('number')), 0n, 10, 3552n],
  ];
  for (const [rule, gen, unbounded, limit, bounded] of cases) {
    it(`${rule} on ${JSON.stringify(gen())}`, () => {
      if (unbounded > 0n) assert.equal(maxCost(rule, gen()), unbounded, 'sizes from the request size');
      else assert.ok(maxCost(rule, gen()) > 10_000_000n, 'unbounded nested loops exceed the per-rule limit');
      assert.equal(maxCost(rule, gen(limit)), bounded, `with a limit of ${limit}`);
    });
  }

  it('has no size for string() results, so concatenating them is unbounded', () => {
    assert.ok(maxCost("'x' + string(self[0]) == 'x1'", list({ type: 'integer' })(5)) > 10n ** 17n);
  });
});
