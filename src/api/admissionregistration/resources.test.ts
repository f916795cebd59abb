import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../../apimachinery/errors.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import {
  mutatingwebhookconfigurations, validatingadmissionpolicies, validatingadmissionpolicybindings, validatingwebhookconfigurations,
} from './resources.js';

/** render prints field errors as Kubernetes' aggregate message parts. */
function render(errs: FieldError[]): string[] {
  return errs.map((e) => {
    switch (e.type) {
      case 'FieldValueRequired': return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
      case 'FieldValueNotSupported': return `${e.field}: Unsupported value: ${JSON.stringify(e.value)}: supported values: ${(e.supported ?? []).map((s) => JSON.stringify(s)).join(', ')}`;
      case 'FieldValueDuplicate': return `${e.field}: Duplicate value: ${JSON.stringify(e.value)}`;
      case 'FieldValueForbidden': return `${e.field}: Forbidden: ${e.detail}`;
      default: return `${e.field}: Invalid value: ${JSON.stringify(e.value)}: ${e.detail}`;
    }
  });
}

function create(def: ResourceDefinition, obj: KubeObject): string[] {
  def.strategy.default?.(obj);
  def.strategy.prepareForCreate?.(obj, { now: new Date() });
  return render(def.strategy.validate?.(obj) ?? []);
}

const hook = (extra: Record<string, unknown> = {}) => ({
  name: 'pods.example.com',
  clientConfig: { url: 'https://127.0.0.1:9443/mutate', caBundle: 'Zm9v' },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None', admissionReviewVersions: ['v1'],
  ...extra,
});

describe('webhook configurations', () => {
  it('are defaulted as v1 does', () => {
    const cfg: KubeObject = { metadata: { name: 'm' }, webhooks: [hook({ clientConfig: { service: { namespace: 'default', name: 'svc' } } })] };
    assert.deepEqual(create(mutatingwebhookconfigurations, cfg), []);
    const h = (cfg.webhooks as Record<string, unknown>[])[0];
    assert.deepEqual(
      [h.failurePolicy, h.matchPolicy, h.namespaceSelector, h.objectSelector, h.timeoutSeconds, h.reinvocationPolicy, (h.rules as { scope: string }[])[0].scope, (h.clientConfig as { service: { port: number } }).service.port],
      ['Fail', 'Equivalent', {}, {}, 10, 'Never', '*', 443],
    );
    assert.equal(cfg.metadata?.generation, 1);
    const v: KubeObject = { metadata: { name: 'v' }, webhooks: [hook()] };
    create(validatingwebhookconfigurations, v);
    assert.equal((v.webhooks as Record<string, unknown>[])[0].reinvocationPolicy, undefined);
  });

  it('refuse what Kubernetes refuses, with its messages', () => {
    const bad: KubeObject = {
      metadata: { name: 'bad' },
      webhooks: [
        { name: 'short', clientConfig: {}, rules: [{ operations: ['*', 'CREATE'], apiGroups: [], apiVersions: ['v1'], resources: ['*', 'pods'] }], timeoutSeconds: 31 },
        hook({ name: 'pods.example.com', clientConfig: { url: 'http://x.example.com/p?q=1' }, sideEffects: 'Some', admissionReviewVersions: ['v9'], failurePolicy: 'Maybe' }),
        hook({ matchConditions: [{ name: 'bad name', expression: 'object.x ==' }] }),
      ],
    };
    assert.deepEqual(create(validatingwebhookconfigurations, bad), [
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      'webhooks[0].rules[0].operations: Invalid value: ["*","CREATE"]: if \'*\' is present, must not specify other operations',
      'webhooks[0].rules[0].apiGroups: Required value',
      'webhooks[0].rules[0].resources: Invalid value: ["*","pods"]: if \'*\' is present, must not specify other resources without subresources',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[0].clientConfig: Required value: exactly one of url or service is required',
      'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
      'webhooks[1].failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore"',
      'webhooks[1].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
      'webhooks[1].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
      'webhooks[1].clientConfig.url: Invalid value: "q=1": query parameters are not permitted in the URL',
      'webhooks[1].admissionReviewVersions: Invalid value: ["v9"]: must include at least one of v1, v1beta1',
      'webhooks[2].matchConditions[0].name: Invalid value: "bad name": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
      ...create(validatingwebhookconfigurations, { metadata: { name: 'x' }, webhooks: [hook({ matchConditions: [{ name: 'c', expression: 'object.x ==' }] })] }).map((m) => m.replace('webhooks[0]', 'webhooks[2]')),
      'webhooks[2].name: Duplicate value: "pods.example.com"',
    ]);
  });
});

describe('ValidatingAdmissionPolicy', () => {
  const policy = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'p' }, spec, status: { observedGeneration: 9 } });
  it('is defaulted, and status is cleared on create', () => {
    const p = policy({ matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression: 'object.spec.replicas <= 5' }] });
    assert.deepEqual(create(validatingadmissionpolicies, p), []);
    assert.deepEqual([p.spec, p.status, p.metadata?.generation], [{
      failurePolicy: 'Fail',
      matchConstraints: { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'], scope: '*' }] },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
    }, undefined, 1]);
  });
  it('refuses specs Kubernetes refuses', () => {
    // The syntax error's wording is the parser's (@bufbuild/cel), not cel-go's: only its frame is compared.
    const errs = create(validatingadmissionpolicies, policy({ validations: [{ expression: 'object.spec.replicas <=' , reason: 'Nope' }], paramKind: { kind: 'ConfigMap' } }))
      .map((m) => m.replace(/(compilation failed: ERROR: <input>:1:)[\s\S]*/, '$1…'));
    assert.deepEqual(errs, [
      'spec.paramKind.apiVersion: Required value',
      'spec.matchConstraints: Required value',
      'spec.validations[0].expression: Invalid value: "object.spec.replicas <=": compilation failed: ERROR: <input>:1:…',
      'spec.validations[0].reason: Unsupported value: "Nope": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"',
    ]);
    assert.deepEqual(create(validatingadmissionpolicies, policy({ matchConstraints: {} })), [
      'spec.matchConstraints.resourceRules: Required value',
      'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
    ]);
  });
  it('prints NAME VALIDATIONS PARAMKIND AGE', () => {
    const t = validatingadmissionpolicies.table!;
    assert.deepEqual(t.columns.map((c) => c.name), ['Name', 'Validations', 'ParamKind', 'Age']);
    const p = policy({ validations: [{ expression: 'true' }], paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } });
    assert.deepEqual(t.cells(p, new Date()).slice(0, 3), ['p', 1, 'v1/ConfigMap']);
    assert.deepEqual(t.cells(policy({}), new Date()).slice(0, 3), ['p', 0, '<unset>']);
  });
});

describe('ValidatingAdmissionPolicyBinding', () => {
  it('is defaulted and validated', () => {
    const b: KubeObject = { metadata: { name: 'b' }, spec: { policyName: 'p', validationActions: ['Deny'], paramRef: { name: 'limits' } } };
    assert.deepEqual(create(validatingadmissionpolicybindings, b), []);
    assert.equal((b.spec as { paramRef: { parameterNotFoundAction: string } }).paramRef.parameterNotFoundAction, 'Deny');
    assert.deepEqual(create(validatingadmissionpolicybindings, { metadata: { name: 'b' }, spec: { validationActions: ['Deny', 'Warn', 'Deny', 'Nope'] } }), [
      'spec.policyName: Required value',
      'spec.validationActions[2]: Duplicate value: "Deny"',
      'spec.validationActions[3]: Unsupported value: "Nope": supported values: "Audit", "Deny", "Warn"',
      'spec.validationActions: Invalid value: ["Deny","Warn","Deny","Nope"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    ]);
    assert.deepEqual(create(validatingadmissionpolicybindings, { metadata: { name: 'b' }, spec: { policyName: 'p' } }), ['spec.validationActions: Required value: at least one validation action is required']);
  });
  it('prints the param reference as kubectl shows it', () => {
    const t = validatingadmissionpolicybindings.table!;
    const row = (spec: Record<string, unknown>) => t.cells({ metadata: { name: 'b' }, spec }, new Date()).slice(0, 3);
    assert.deepEqual(row({ policyName: 'p' }), ['b', 'p', '<unset>']);
    assert.deepEqual(row({ policyName: 'p', paramRef: { name: 'x' } }), ['b', 'p', '*/x']);
    assert.deepEqual(row({ policyName: 'p', paramRef: { name: 'x', namespace: 'ns' } }), ['b', 'p', 'ns/x']);
    assert.deepEqual(row({ policyName: 'p', paramRef: { selector: { matchLabels: { a: 'b' } } } }), ['b', 'p', 'a=b']);
  });
});
