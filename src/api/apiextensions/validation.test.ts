import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { customresourcedefinitions, setDefaults } from './crd.js';
import type { CustomResourceDefinition, JSONSchemaProps } from './types.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './validation.js';
import { FieldPath } from './schema/path.js';
import { validateStructural } from './schema/structural-validation.js';

function crd(mutate: (c: CustomResourceDefinition) => void = () => undefined): CustomResourceDefinition {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com', scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer', default: 1 } } } } } },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [{ name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' }],
      }],
    },
    status: { acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] },
  };
  setDefaults(c);
  mutate(c);
  return c;
}

const errors = (c: CustomResourceDefinition) => validateCustomResourceDefinition(c, customresourcedefinitions).map(fieldErrorMessage);
const schemaOf = (c: CustomResourceDefinition) => c.spec.versions[0].schema!.openAPIV3Schema!;

describe('CustomResourceDefinition validation', () => {
  it('accepts the CronTab example and defaults singular, listKind and conversion', () => {
    const c = crd();
    assert.deepEqual(errors(c), []);
    assert.equal(c.spec.names.singular, 'crontab');
    assert.equal(c.spec.names.listKind, 'CronTabList');
    assert.deepEqual(c.spec.conversion, { strategy: 'None' });
  });

  const cases: [string, (c: CustomResourceDefinition) => void, string[]][] = [
    ['name must be plural.group', (c) => { c.metadata!.name = 'crontab.stable.example.com'; }, ['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group']],
    ['group needs a dot', (c) => { c.spec.group = 'example'; c.metadata!.name = 'crontabs.example'; }, ['spec.group: Invalid value: "example": should be a domain with at least one dot']],
    ['scope', (c) => { c.spec.scope = 'Global'; }, ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']],
    ['exactly one storage version', (c) => { c.spec.versions.push({ ...structuredClone(c.spec.versions[0]), name: 'v2' }); },
      ['spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version',
        'status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2']],
    ['schema required', (c) => { delete c.spec.versions[0].schema; }, ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']],
    ['type required for fields (one version: reported at spec.validation)', (c) => { delete (schemaOf(c).properties!.spec.properties!.cronSpec as JSONSchemaProps).type; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[cronSpec].type: Required value: must not be empty for specified object fields']],
    ['status subresource needs an object root', (c) => { schemaOf(c).additionalProperties = { type: 'string' }; delete schemaOf(c).properties; },
      ['spec.validation.openAPIV3Schema: Invalid value: apiextensions.JSONSchemaProps{...}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
        'spec.validation.openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root']],
    ['default must validate', (c) => { (schemaOf(c).properties!.spec.properties!.replicas as JSONSchemaProps).default = 'one'; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"']],
    ['uniqueItems forbidden', (c) => { schemaOf(c).properties!.spec.properties!.tags = { type: 'array', items: { type: 'string' }, uniqueItems: true }; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[tags].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic']],
    ['list-type map needs keys', (c) => { schemaOf(c).properties!.spec.properties!.ports = { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { name: { type: 'string' } } } }; },
      ['spec.validation.openAPIV3Schema.properties[spec].properties[ports].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map']],
    ['scale path under .spec', (c) => { c.spec.versions[0].subresources!.scale!.specReplicasPath = '.status.replicas'; },
      ['spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec']],
    ['printer column type', (c) => { c.spec.versions[0].additionalPrinterColumns![0].type = 'text'; },
      ['spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string']],
    ['kind and listKind differ', (c) => { c.spec.names.listKind = 'CronTab'; }, ['spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same']],
    ['protected groups need approval', (c) => { c.spec.group = 'stable.k8s.io'; c.metadata!.name = 'crontabs.stable.k8s.io'; },
      ['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']],
  ];
  for (const [name, mutate, want] of cases) it(name, () => assert.deepEqual(errors(crd(mutate)), want));

  it('per-version schemas that differ are reported at their version', () => {
    const c = crd((x) => {
      x.spec.versions.push({ ...structuredClone(x.spec.versions[0]), name: 'v2', storage: false });
      delete (x.spec.versions[1].schema!.openAPIV3Schema!.properties!.spec.properties!.cronSpec as JSONSchemaProps).type;
    });
    assert.deepEqual(errors(c), ['spec.versions[1].schema.openAPIV3Schema.properties[spec].properties[cronSpec].type: Required value: must not be empty for specified object fields']);
  });

  it('group and plural are immutable; scope and kind once established', () => {
    const old = crd((c) => { c.status!.conditions = [{ type: 'Established', status: 'True' }]; });
    const next = crd((c) => { c.spec.scope = 'Cluster'; c.spec.names.kind = 'Tab'; c.spec.names.listKind = 'TabList'; });
    const msgs = validateCustomResourceDefinitionUpdate(next, old).map(fieldErrorMessage);
    assert.ok(msgs.includes('spec.scope: Invalid value: "Cluster": field is immutable'), msgs.join('\n'));
    assert.ok(msgs.includes('spec.names.kind: Invalid value: "Tab": field is immutable'), msgs.join('\n'));
  });
});

describe('a CRD update whose spec a patch nulled out', () => {
  it('is refused with field errors, not a crash', () => {
    const next = crd((c) => { (c as { spec?: unknown }).spec = undefined; });
    const msgs = validateCustomResourceDefinitionUpdate(next, crd()).map(fieldErrorMessage);
    assert.ok(msgs.includes('spec.group: Invalid value: "": field is immutable'), msgs.join('\n'));
  });
});

describe('structural schemas', () => {
  it('value validations may not carry types, and metadata may only restrict name', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { labels: { type: 'object' } } },
        spec: { type: 'object', anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }] as JSONSchemaProps[] },
      },
    };
    assert.deepEqual(validateStructural(FieldPath.root('schema'), s).map(fieldErrorMessage), [
      'schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      'schema.properties[spec].anyOf[0].properties[a].type: Forbidden: must be empty to be structural',
      'schema.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural',
    ]);
  });

  it('int-or-string may use its anyOf pattern', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } };
    assert.deepEqual(validateStructural(FieldPath.root('schema'), s), []);
  });
});
