import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { newCELEngine } from './cel-engine.js';
import { celEngine, registerCELEngine, validateCELRules, validateCELRulesStatically, type CELEngine } from './cel.js';
import { FieldPath } from './path.js';

const engine = newCELEngine();
let previous: CELEngine | undefined;
before(() => { previous = celEngine(); registerCELEngine(engine); });
after(() => registerCELEngine(previous));

/** A CronTab-like resource whose spec carries the rules under test. */
function resource(spec: JSONSchemaProps, rootRules?: ValidationRule[]): JSONSchemaProps {
  return {
    type: 'object',
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec },
    ...(rootRules ? { 'x-kubernetes-validations': rootRules } : {}),
  };
}

const obj = (spec: unknown, name = 'ct') => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name }, spec });

/** validate runs the rules (create when old is undefined) and renders Kubernetes' messages. */
function validate(schema: JSONSchemaProps, spec: unknown, oldSpec?: unknown): string[] {
  const old = oldSpec === undefined ? undefined : obj(oldSpec);
  return validateCELRules(FieldPath.nil(), schema, obj(spec), old).map(fieldErrorMessage);
}

/** compileErrors runs CRD validation of the rules, at the path Kubernetes reports. */
function compileErrors(schema: JSONSchemaProps): string[] {
  return validateCELRulesStatically(FieldPath.root('spec', 'validation', 'openAPIV3Schema'), schema).map(fieldErrorMessage);
}

/** evaluate compiles one rule on a schema node and evaluates it over a value. */
function evaluate(rule: string, schema: JSONSchemaProps, self: unknown): unknown {
  const c = engine.compile(rule, schema, { kind: 'rule', isResourceRoot: false });
  if ('error' in c) return `compile: ${c.error}`;
  const r = c.program.evaluate({ self, hasOldSelf: false });
  return 'error' in r ? `error: ${r.error}` : r.value;
}

const replicasSpec = (rules: ValidationRule[]): JSONSchemaProps => ({
  type: 'object',
  properties: { replicas: { type: 'integer' }, minReplicas: { type: 'integer' }, maxReplicas: { type: 'integer' }, image: { type: 'string' } },
  'x-kubernetes-validations': rules,
});

describe('CEL rules: messages', () => {
  it('reports the rule message, or "failed rule: <rule>" without one, at the rule\'s node', () => {
    const schema = resource(replicasSpec([
      { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
      { rule: ' self.replicas <= self.maxReplicas ' },
    ]));
    assert.deepEqual(validate(schema, { replicas: 5, maxReplicas: 3 }), [
      'spec: Invalid value: "object": replicas must not exceed maxReplicas',
      'spec: Invalid value: "object": failed rule: self.replicas <= self.maxReplicas',
    ]);
    assert.deepEqual(validate(schema, { replicas: 2, maxReplicas: 3 }), []);
  });

  it('evaluates messageExpression for the message, keeping the static message when it fails', () => {
    const schema = resource(replicasSpec([
      { rule: 'self.replicas <= self.maxReplicas', messageExpression: "'replicas ' + string(self.replicas) + ' exceeds ' + string(self.maxReplicas)" },
      { rule: 'self.replicas >= 0', message: 'static', messageExpression: "self.image + ' is the image'" },
      { rule: 'self.replicas >= 0', message: 'no blank messages', messageExpression: "'  '" },
    ]));
    assert.deepEqual(validate(schema, { replicas: 5, maxReplicas: 3, image: 'nginx' }), ['spec: Invalid value: "object": replicas 5 exceeds 3']);
    // self.image is absent: the messageExpression fails, the message is used.
    assert.deepEqual(validate(schema, { replicas: -1, maxReplicas: 3 }), [
      'spec: Invalid value: "object": static',
      'spec: Invalid value: "object": no blank messages',
    ]);
  });

  it('honours reason and fieldPath', () => {
    const spec: JSONSchemaProps = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' }, sub: { type: 'object', properties: { 'x.y': { type: 'string' } } }, m: { type: 'object', additionalProperties: { type: 'string' } } },
      'x-kubernetes-validations': [
        { rule: "self.a != 'x'", reason: 'FieldValueForbidden', fieldPath: '.a', message: 'a may not be x' },
        { rule: "self.b != 'x'", reason: 'FieldValueRequired', fieldPath: '.b', message: 'b is needed' },
        { rule: "self.c != 'x'", reason: 'FieldValueDuplicate', fieldPath: ".sub['x.y']" },
        { rule: "self.c != 'x'", reason: 'FieldValueInvalid', fieldPath: ".m['k']", message: 'bad c' },
      ],
    };
    assert.deepEqual(validate(resource(spec), { a: 'x', b: 'x', c: 'x' }), [
      'spec.a: Forbidden: a may not be x',
      'spec.b: Required value: b is needed',
      'spec.sub.x.y: Duplicate value: "object"',
      'spec.m[k]: Invalid value: "object": bad c',
    ]);
  });

  it('reports rules on the resource root at <nil>, with metadata.name visible', () => {
    const schema = resource(replicasSpec([]), [{ rule: "self.metadata.name.startsWith('ct-')", message: 'name must start with ct-' }, { rule: "self.kind == 'CronTab'" }]);
    assert.deepEqual(validateCELRules(FieldPath.nil(), schema, obj({}, 'other'), undefined).map(fieldErrorMessage), ['<nil>: Invalid value: "object": name must start with ct-']);
  });

  it('reports evaluation errors as Kubernetes does', () => {
    const schema = resource({
      type: 'object',
      properties: { n: { type: 'integer' }, list: { type: 'array', items: { type: 'string' } }, labels: { type: 'object', additionalProperties: { type: 'string' } }, port: { 'x-kubernetes-int-or-string': true } },
      'x-kubernetes-validations': [
        { rule: 'self.n > 0' },
        { rule: "self.list[3] == 'a'" },
        { rule: "self.labels['app'] == 'web'", message: 'app label' },
        { rule: '10 / self.n > 1' },
        { rule: 'self.port > 80' },
      ],
    });
    assert.deepEqual(validate(schema, { list: ['a'], labels: {}, port: 'http', n: 0 }), [
      'spec: Invalid value: "object": failed rule: self.n > 0',
      `spec: Invalid value: "object": index '3' out of range in list size '1' evaluating rule: self.list[3] == 'a'`,
      'spec: Invalid value: "object": no such key: app evaluating rule: app label',
      'spec: Invalid value: "object": division by zero evaluating rule: 10 / self.n > 1',
      "spec: Invalid value: \"object\": 'no such overload': call arguments did not match a supported operator, function or macro signature for rule: self.port > 80",
    ]);
    assert.deepEqual(validate(schema, { list: ['a', 'b', 'c', 'a'], labels: { app: 'web' }, port: 8080, n: 2 }), []);
  });
});

describe('CEL rules: transition rules', () => {
  const immutable = resource({
    type: 'object',
    properties: {
      image: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'image is immutable' }] },
      replicas: { type: 'integer' },
    },
    'x-kubernetes-validations': [{ rule: 'self.replicas >= oldSelf.replicas', message: 'replicas may not decrease' }],
  });

  it('are not evaluated on create, and hold on update', () => {
    assert.deepEqual(validate(immutable, { image: 'a', replicas: 1 }), []);
    assert.deepEqual(validate(immutable, { image: 'a', replicas: 2 }, { image: 'a', replicas: 1 }), []);
    assert.deepEqual(validate(immutable, { image: 'b', replicas: 0 }, { image: 'a', replicas: 1 }), [
      'spec: Invalid value: "object": replicas may not decrease',
      'spec.image: Invalid value: "string": image is immutable',
    ]);
  });

  it('are skipped where the old value has no such field', () => {
    assert.deepEqual(validate(immutable, { image: 'b', replicas: 1 }, { replicas: 1 }), []);
  });

  it('see oldSelf as an optional with optionalOldSelf, also on create', () => {
    const schema = resource({
      type: 'object',
      properties: { replicas: { type: 'integer' } },
      'x-kubernetes-validations': [{ rule: '!oldSelf.hasValue() || self.replicas >= oldSelf.value().replicas', optionalOldSelf: true, message: 'no decrease' },
        { rule: 'oldSelf.hasValue() || self.replicas == 1', optionalOldSelf: true, message: 'start with 1' }],
    });
    assert.deepEqual(validate(schema, { replicas: 3 }), ['spec: Invalid value: "object": start with 1']);
    assert.deepEqual(validate(schema, { replicas: 1 }), []);
    assert.deepEqual(validate(schema, { replicas: 0 }, { replicas: 1 }), ['spec: Invalid value: "object": no decrease']);
  });

  it('correlate map-list items by key, and ratchet unchanged invalid values', () => {
    const schema = resource({
      type: 'object',
      properties: {
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } },
            'x-kubernetes-validations': [{ rule: 'self.port == oldSelf.port', message: 'port is immutable' }, { rule: 'self.port < 1024', message: 'port too high' }],
          },
        },
      },
    });
    const old = { ports: [{ name: 'http', port: 80 }, { name: 'big', port: 5000 }] };
    // Reordered: the items correlate by name. The unchanged 5000 is ratcheted.
    assert.deepEqual(validate(schema, { ports: [{ name: 'big', port: 5000 }, { name: 'http', port: 80 }] }, old), []);
    assert.deepEqual(validate(schema, { ports: [{ name: 'http', port: 81 }, { name: 'new', port: 6000 }] }, old), [
      'spec.ports[0]: Invalid value: "object": port is immutable',
      'spec.ports[1]: Invalid value: "object": port too high',
    ]);
    assert.deepEqual(validate(schema, { ports: [{ name: 'big', port: 5000 }] }), ['spec.ports[0]: Invalid value: "object": port too high']);
  });

  it('compare set lists regardless of order (self == oldSelf)', () => {
    const schema = resource({
      type: 'object',
      properties: { tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'tags are immutable' }] } },
    });
    assert.deepEqual(validate(schema, { tags: ['b', 'a'] }, { tags: ['a', 'b'] }), []);
    assert.deepEqual(validate(schema, { tags: ['b', 'c'] }, { tags: ['a', 'b'] }), ['spec.tags: Invalid value: "array": tags are immutable']);
  });
});

describe('CEL rules: lists, maps and values', () => {
  it('evaluates rules on lists and maps, and on their items', () => {
    const schema = resource({
      type: 'object',
      properties: {
        names: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() <= 5', message: 'name too long' }] }, 'x-kubernetes-validations': [{ rule: 'self.all(n, n != "")', message: 'no empty names' }] },
        limits: { type: 'object', additionalProperties: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(k, self[k] >= 0)', message: 'limits must not be negative' }, { rule: "'cpu' in self", message: 'cpu is required' }] },
      },
    });
    assert.deepEqual(validate(schema, { names: ['a', '', 'toolong'], limits: { mem: -1 } }), [
      'spec.names: Invalid value: "array": no empty names',
      'spec.names[2]: Invalid value: "string": name too long',
      'spec.limits: Invalid value: "object": limits must not be negative',
      'spec.limits: Invalid value: "object": cpu is required',
    ]);
  });

  it('types values from the schema: int, double, int-or-string, timestamps, durations, escaped names', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        count: { type: 'integer' }, ratio: { type: 'number' }, port: { 'x-kubernetes-int-or-string': true },
        start: { type: 'string', format: 'date-time' }, timeout: { type: 'string', format: 'duration' },
        namespace: { type: 'string' }, 'my-field': { type: 'string' },
      },
    };
    const v = { count: 3, ratio: 2, port: 'http', start: '2024-01-02T03:04:05Z', timeout: '90s', namespace: 'ns', 'my-field': 'x' };
    assert.equal(evaluate('self.count == 3 && self.ratio == 2.0 && type(self.count) == int && type(self.ratio) == double', s, v), true);
    assert.equal(evaluate("self.port == 'http' && type(self.port) == string", s, v), true);
    assert.equal(evaluate("self.start < timestamp('2025-01-01T00:00:00Z') && self.start.getFullYear() == 2024", s, v), true);
    assert.equal(evaluate("self.timeout > duration('1m') && self.timeout < duration('2m')", s, v), true);
    assert.equal(evaluate("self.__namespace__ == 'ns' && self.my__dash__field == 'x'", s, v), true);
    assert.equal(evaluate('self.ratio == 2', s, v), "compile: compilation failed: ERROR: <input>:1:12: found no matching overload for '_==_' applied to '(double, int)'\n | self.ratio == 2\n | ...........^");
  });

  it('implements Kubernetes\' list, regex, url, quantity, ip, format and set functions', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { xs: { type: 'array', items: { type: 'integer' } }, names: { type: 'array', items: { type: 'string' } }, s: { type: 'string' } } };
    const v = { xs: [3, 1, 2, 3], names: ['a', 'b', 'c'], s: 'abc123def45' };
    const cases: [string, unknown][] = [
      ['self.names.isSorted() && !self.xs.isSorted()', true],
      ['self.xs.sum() == 9 && self.xs.min() == 1 && self.xs.max() == 3', true],
      ['self.xs.indexOf(3) == 0 && self.xs.lastIndexOf(3) == 3 && self.xs.indexOf(7) == -1', true],
      ["self.s.find('[0-9]+') == '123' && self.s.findAll('[0-9]+') == ['123', '45'] && self.s.findAll('[a-z]', 2) == ['a', 'b']", true],
      ["self.s.find('x') == ''", true],
      ["matches(self.s, '^abc[0-9]+') && self.s.matches('[0-9]{2}$')", true],
      ["url('https://example.com:8443/a%20b?x=1&x=2').getHost() == 'example.com:8443' && url('https://example.com:8443/a').getHostname() == 'example.com'", true],
      ["url('https://example.com/a%20b?x=1&x=2').getEscapedPath() == '/a%20b' && url('https://example.com/?x=1&x=2').getQuery()['x'] == ['1', '2']", true],
      ["isURL('https://x.io') && !isURL('not a url')", true],
      ["quantity('1Gi').isGreaterThan(quantity('1000Mi')) && quantity('500m').compareTo(quantity('0.5')) == 0", true],
      ["quantity('2').add(quantity('500m')).asApproximateFloat() == 2.5 && quantity('2k').asInteger() == 2000 && !quantity('1.5').isInteger()", true],
      ["isQuantity('10Mi') && !isQuantity('ten') && sign(quantity('-1')) == -1", true],
      ["ip('10.0.0.1').family() == 4 && ip('::1').isLoopback() && cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))", true],
      ["string(ip('2001:db8:0:0:0:0:0:1')) == '2001:db8::1' && cidr('192.168.1.7/24').masked() == cidr('192.168.1.0/24')", true],
      ["sets.contains(self.names, ['a']) && sets.intersects(self.names, ['z', 'c']) && sets.equivalent([1, 2], [2, 1, 1])", true],
      ["self.s.indexOf('c') == 2 && self.s.upperAscii() == 'ABC123DEF45' && 'a,b'.split(',') == ['a', 'b'] && self.names.join('-') == 'a-b-c'", true],
      ["'%s has %d'.format(['x', 3]) == 'x has 3'", true],
      ["!format.dns1123Label().validate('my-name').hasValue() && format.named('uuid').hasValue() && !format.named('nope').hasValue()", true],
      ["format.dns1123Label().validate('Bad_Name').value()[0].startsWith('a lowercase RFC 1123 label must consist of')", true],
      ["self.xs.exists_one(x, x == 1) && self.xs.map(x, x * 2).filter(x, x > 4) == [6, 6]", true],
      ["quantity('x') == quantity('1')", "error: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      ["self.s.find('(') == ''", 'error: Illegal regex: error parsing regexp: missing closing ): `(`'],
      ['self.xs.filter(x, x > 10).min() == 0', 'error: min called on empty list'],
    ];
    for (const [rule, want] of cases) assert.equal(evaluate(rule, s, v), want, rule);
  });

  it('stops an expression that exceeds the per-call cost limit', () => {
    const s: JSONSchemaProps = { type: 'array', items: { type: 'integer' } };
    const v = Array.from({ length: 700 }, (_, i) => i);
    assert.equal(evaluate('self.all(x, self.all(y, x + y >= 0))', s, v), 'error: operation cancelled: actual cost limit exceeded');
    const schema = resource({ type: 'object', properties: { xs: { ...s, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, x + y >= 0))' }, { rule: 'self.size() > 1000' }] } } });
    assert.deepEqual(validate(schema, { xs: v }), [
      "spec.xs: Invalid value: \"array\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, x + y >= 0))",
    ]);
  });
});

describe('CEL rules: compilation at CRD creation', () => {
  it('reports compile errors with cel-go\'s location and caret', () => {
    const schema = resource(replicasSpec([
      { rule: 'self.replicas <= self.maxReplica' },
      { rule: "self.replicas + 'x' > 1" },
      { rule: 'self.replicas' },
      { rule: 'self.replicas >', message: 'm' },
      { rule: 'self.replicas > 0', messageExpression: 'self.replicas' },
      { rule: 'undeclared > 0' },
    ]));
    const at = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations';
    const rt = (rule: string, extra = '') => `apiextensions.ValidationRule{Rule:${JSON.stringify(rule)}, Message:${JSON.stringify(extra)}, MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}`;
    assert.deepEqual(compileErrors(schema), [
      `${at}[0].rule: Invalid value: ${rt('self.replicas <= self.maxReplica')}: compilation failed: ERROR: <input>:1:22: undefined field 'maxReplica'\n | self.replicas <= self.maxReplica\n | .....................^`,
      `${at}[1].rule: Invalid value: ${rt("self.replicas + 'x' > 1")}: compilation failed: ERROR: <input>:1:15: found no matching overload for '_+_' applied to '(int, string)'\n | self.replicas + 'x' > 1\n | ..............^`,
      `${at}[2].rule: Invalid value: ${rt('self.replicas')}: cel expression must evaluate to a bool`,
      `${at}[3].rule: Invalid value: ${rt('self.replicas >', 'm')}: compilation failed: ERROR: <input>:1:15: Syntax error: found > but expecting end of input\n | self.replicas >\n | ..............^`,
      `${at}[4].messageExpression: Invalid value: apiextensions.ValidationRule{Rule:"self.replicas > 0", Message:"", MessageExpression:"self.replicas", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: messageExpression must evaluate to a string`,
      `${at}[5].rule: Invalid value: ${rt('undeclared > 0')}: compilation failed: ERROR: <input>:1:1: undeclared reference to 'undeclared' (in container '')\n | undeclared > 0\n | ^`,
    ]);
  });

  it('refuses oldSelf below lists that cannot correlate, and optionalOldSelf without oldSelf', () => {
    const schema = resource({
      type: 'object',
      properties: {
        list: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } },
        n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0', optionalOldSelf: true }] },
      },
    });
    assert.deepEqual(compileErrors(schema), [
      'spec.validation.openAPIV3Schema.properties[spec].properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[spec].properties[list]',
      'spec.validation.openAPIV3Schema.properties[spec].properties[n].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule',
    ]);
  });

  it('accepts valid rules', () => {
    assert.deepEqual(compileErrors(resource(replicasSpec([{ rule: 'self.minReplicas <= self.replicas', messageExpression: "self.image + ' needs more replicas'" }]), [{ rule: "self.metadata.name != ''" }])), []);
  });

  it('refuses rules whose estimated cost exceeds the limits, as Kubernetes words it', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        list: { type: 'array', maxItems: 100000, items: { type: 'string', maxLength: 5000, 'x-kubernetes-validations': [{ rule: "self.contains('keyword')" }] } },
        map: { type: 'object', maxProperties: 1000, additionalProperties: { type: 'string', maxLength: 5000, 'x-kubernetes-validations': [{ rule: "self.contains('keyword')" }] } },
        small: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 50 && self < 100' }] },
        names: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'true', messageExpression: "'first: ' + string(self[0])" }] },
      },
    };
    const advice = '(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)';
    const at = 'spec.validation.openAPIV3Schema.properties';
    assert.deepEqual(compileErrors(schema), [
      `${at}[list].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 20.0x ${advice}`,
      `${at}[names].x-kubernetes-validations[0].messageExpression: Forbidden: estimated messageExpression cost exceeds budget by factor of more than 100x ${advice}`,
      `${at}[names].x-kubernetes-validations[0].messageExpression: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
      `${at}[list].items.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
      `${at}[map].additionalProperties.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
      `spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${advice}`,
    ]);
  });
});
