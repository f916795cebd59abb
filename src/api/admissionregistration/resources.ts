/**
 * admissionregistration.k8s.io/v1: MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
 * ValidatingAdmissionPolicy (with its status subresource) and ValidatingAdmissionPolicyBinding,
 * all cluster-scoped and in the api-extensions category, with v1's defaulting
 * (pkg/apis/admissionregistration/v1/defaults.go), validation (validation.ts), generation
 * tracking and printer columns as kube-apiserver serves them.
 */
import { deepEqual } from '../../apimachinery/deep.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { setInitialGeneration, specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { formatLabelSelector, type LabelSelectorSpec } from '../../apimachinery/labels.js';
import { validateValidatingAdmissionPolicy, validateValidatingAdmissionPolicyBinding, validateWebhookConfiguration } from './validation.js';

const GROUP = 'admissionregistration.k8s.io';
const CATEGORIES = ['api-extensions'];

const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** defaultRules gives each rule the scope "*" (SetDefaults_Rule). */
function defaultRules(rules: unknown): void {
  for (const r of list(rules)) r.scope ??= '*';
}

/** defaultWebhook is SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook. */
function defaultWebhook(hook: Obj, mutating: boolean): void {
  hook.failurePolicy ??= 'Fail';
  hook.matchPolicy ??= 'Equivalent';
  hook.namespaceSelector ??= {};
  hook.objectSelector ??= {};
  hook.timeoutSeconds ??= 10;
  if (mutating) hook.reinvocationPolicy ??= 'Never';
  defaultRules(hook.rules);
  const svc = isObj(hook.clientConfig) ? hook.clientConfig.service : undefined;
  if (isObj(svc)) svc.port ??= 443;
}

/** defaultMatchResources is SetDefaults_MatchResources. */
function defaultMatchResources(mr: unknown): void {
  if (!isObj(mr)) return;
  mr.matchPolicy ??= 'Equivalent';
  mr.namespaceSelector ??= {};
  mr.objectSelector ??= {};
  defaultRules(mr.resourceRules);
  defaultRules(mr.excludeResourceRules);
}

/** webhooksChanged: a configuration's generation moves when its webhooks change. */
function bumpGenerationOnWebhooksChange(obj: KubeObject, old: KubeObject): void {
  const meta = (obj.metadata ??= {});
  const oldGen = old.metadata?.generation ?? 0;
  meta.generation = deepEqual(obj.webhooks, old.webhooks) ? oldGen : oldGen + 1;
}

/** webhookConfigurationPrinter: NAME WEBHOOKS AGE. */
export const webhookConfigurationPrinter: TablePrinter = {
  columns: [NAME, col('Webhooks', 'Webhooks indicates the number of webhooks registered in this configuration', 0, 'integer'), AGE],
  cells: (o, now) => [get(o, 'metadata', 'name'), list(o.webhooks).length, ageOf(get(o, 'metadata', 'creationTimestamp'), now)],
};

/** validatingAdmissionPolicyPrinter: NAME VALIDATIONS PARAMKIND AGE. */
export const validatingAdmissionPolicyPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Validations', 'Validations indicates the number of validation rules defined in this configuration', 0, 'integer'),
    col('ParamKind', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    AGE,
  ],
  cells: (o, now) => {
    const pk = get(o, 'spec', 'paramKind') as Obj | undefined;
    const paramKind = isObj(pk) ? `${pk.apiVersion ?? ''}/${pk.kind ?? ''}` : '<unset>';
    return [get(o, 'metadata', 'name'), list(get(o, 'spec', 'validations')).length, paramKind, ageOf(get(o, 'metadata', 'creationTimestamp'), now)];
  },
};

/** validatingAdmissionPolicyBindingPrinter: NAME POLICYNAME PARAMREF AGE. */
export const validatingAdmissionPolicyBindingPrinter: TablePrinter = {
  columns: [
    NAME,
    col('PolicyName', 'PolicyName indicates the policy definition which the policy binding binded to'),
    col('ParamRef', 'ParamRef indicates the param resource which sets the configration param'),
    AGE,
  ],
  cells: (o, now) => {
    const pr = get(o, 'spec', 'paramRef') as Obj | undefined;
    let param = '<unset>';
    if (isObj(pr)) {
      // Without a namespace the binding may name a cluster-scoped or a per-namespace param: "*/name".
      if (pr.name) param = pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
      else if (isObj(pr.selector)) param = formatLabelSelector(pr.selector as LabelSelectorSpec);
    }
    return [get(o, 'metadata', 'name'), get(o, 'spec', 'policyName') ?? '', param, ageOf(get(o, 'metadata', 'creationTimestamp'), now)];
  },
};

function webhookConfiguration(kind: string, plural: string, mutating: boolean): ResourceDefinition {
  return defineResource({
    group: GROUP, version: 'v1', kind, plural, namespaced: false, categories: CATEGORIES, table: webhookConfigurationPrinter,
    strategy: {
      default(o) { for (const h of list(o.webhooks)) defaultWebhook(h, mutating); },
      prepareForCreate(o) { setInitialGeneration(o); },
      prepareForUpdate(o, old) { bumpGenerationOnWebhooksChange(o, old); },
      validate: (o) => validateWebhookConfiguration(o as Obj, mutating),
      validateUpdate: (o) => validateWebhookConfiguration(o as Obj, mutating),
    },
  });
}

/** mutatingwebhookconfigurations is admissionregistration.k8s.io/v1 MutatingWebhookConfiguration. */
export const mutatingwebhookconfigurations = webhookConfiguration('MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', true);
/** validatingwebhookconfigurations is admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration. */
export const validatingwebhookconfigurations = webhookConfiguration('ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false);

/** validatingadmissionpolicies is admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (+status). */
export const validatingadmissionpolicies: ResourceDefinition = defineResource({
  group: GROUP, version: 'v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', namespaced: false,
  categories: CATEGORIES, subresources: ['status'], table: validatingAdmissionPolicyPrinter,
  strategy: specStatusStrategy({
    generation: true,
    initialStatus: () => undefined,
    default(o) {
      if (!isObj(o.spec)) return;
      o.spec.failurePolicy ??= 'Fail';
      defaultMatchResources(o.spec.matchConstraints);
    },
    validate: (o) => validateValidatingAdmissionPolicy(o as Obj),
    validateUpdate: (o) => validateValidatingAdmissionPolicy(o as Obj),
  }),
  statusStrategy: statusStrategy(),
});

/** validatingadmissionpolicybindings is admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding. */
export const validatingadmissionpolicybindings: ResourceDefinition = defineResource({
  group: GROUP, version: 'v1', kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', namespaced: false,
  categories: CATEGORIES, table: validatingAdmissionPolicyBindingPrinter,
  strategy: specStatusStrategy({
    generation: true,
    statusIsUserData: true,
    default(o) {
      if (!isObj(o.spec)) return;
      defaultMatchResources(o.spec.matchResources);
      if (isObj(o.spec.paramRef)) o.spec.paramRef.parameterNotFoundAction ??= 'Deny';
    },
    validate: (o) => validateValidatingAdmissionPolicyBinding(o as Obj),
    validateUpdate: (o) => validateValidatingAdmissionPolicyBinding(o as Obj),
  }),
});

/** admissionRegistrationResources are the group's served resources. */
export const admissionRegistrationResources: ResourceDefinition[] = [
  mutatingwebhookconfigurations, validatingwebhookconfigurations, validatingadmissionpolicies, validatingadmissionpolicybindings,
];
