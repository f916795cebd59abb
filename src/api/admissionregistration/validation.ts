/**
 * Validation of admissionregistration.k8s.io/v1 objects with Kubernetes' field paths and messages
 * (pkg/apis/admissionregistration/validation): webhooks (name, rules, clientConfig, sideEffects,
 * admissionReviewVersions, timeouts, selectors, matchConditions), ValidatingAdmissionPolicy specs
 * (matchConstraints, validations, variables, paramKind) and their bindings.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { isObj, type Obj } from '../common/obj.js';
import { duplicate, forbidden, invalidField, notSupported, required } from '../validation/field.js';
import { validateLabelSelector } from '../validation/labels.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from '../validation/names.js';
import { compileAdmissionCEL, MATCH_CONDITION_VARIABLES, VALIDATION_VARIABLES } from './cel.js';

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
/** v1 only accepts webhooks without side effects (Some and Unknown were v1beta1's). */
const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const ADMISSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const VALIDATION_ACTIONS = ['Audit', 'Deny', 'Warn'];
const POLICY_REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];
const PARAMETER_NOT_FOUND_ACTIONS = ['Allow', 'Deny'];

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** isFullyQualifiedName is utilvalidation.IsFullyQualifiedName (a webhook's name). */
function isFullyQualifiedName(name: string, path: string): FieldError[] {
  if (!name) return [required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [invalidField(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalidField(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

function validateResources(resources: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(required(path));
  const wildcardSub = new Set<string>();
  const wildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let plain = false;
  resources.forEach((r, i) => {
    const resSub = str(r);
    if (resSub === '') { errs.push(required(`${path}[${i}]`)); return; }
    if (resSub === '*/*') doubleWildcard = true;
    if (resSub === '*') singleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) { plain = resSub !== '*'; return; }
    const [res, sub] = [resSub.slice(0, slash), resSub.slice(slash + 1)];
    if (wildcardSub.has(res)) errs.push(invalidField(`${path}[${i}]`, resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (wildcardRes.has(sub)) errs.push(invalidField(`${path}[${i}]`, resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') wildcardSub.add(res);
    if (res === '*') wildcardRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push(invalidField(path, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && plain) errs.push(invalidField(path, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

/** validateRuleWithOperations checks one rule of a webhook or a policy's resourceRules. */
export function validateRuleWithOperations(rule: unknown, path: string): FieldError[] {
  const r: Obj = isObj(rule) ? rule : {};
  const errs: FieldError[] = [];
  const ops = list(r.operations);
  if (ops.length === 0) errs.push(required(`${path}.operations`));
  if (ops.length > 1 && ops.includes('*')) errs.push(invalidField(`${path}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => { if (!OPERATIONS.includes(str(op))) errs.push(notSupported(`${path}.operations[${i}]`, op, OPERATIONS)); });
  const groups = list(r.apiGroups);
  if (groups.length === 0) errs.push(required(`${path}.apiGroups`));
  if (groups.length > 1 && groups.includes('*')) errs.push(invalidField(`${path}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = list(r.apiVersions);
  if (versions.length === 0) errs.push(required(`${path}.apiVersions`));
  if (versions.length > 1 && versions.includes('*')) errs.push(invalidField(`${path}.apiVersions`, versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => { if (str(v) === '') errs.push(required(`${path}.apiVersions[${i}]`)); });
  errs.push(...validateResources(list(r.resources), `${path}.resources`));
  if (r.scope !== undefined && r.scope !== null && !SCOPES.includes(str(r.scope))) errs.push(notSupported(`${path}.scope`, r.scope, SCOPES));
  return errs;
}

function validateWebhookURL(url: string, path: string): FieldError[] {
  const form = '; desired format: https://host[/path]';
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    return [required(path, `url must be a valid URL: parse ${JSON.stringify(url)}: ${(e as Error).message}${form}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(invalidField(path, scheme, `'https' is the only allowed URL scheme${form}`));
  if (!u.host) errs.push(invalidField(path, u.host, `host must be specified${form}`));
  if (u.username || u.password) errs.push(invalidField(path, u.password ? `${u.username}:${u.password}` : u.username, 'user information is not permitted in the URL'));
  if (u.hash) errs.push(invalidField(path, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search) errs.push(invalidField(path, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

function validateWebhookService(svc: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(svc.name)) errs.push(required(`${path}.name`, 'service name is required'));
  if (!str(svc.namespace)) errs.push(required(`${path}.namespace`, 'service namespace is required'));
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const portErrs = isValidPortNum(port);
  if (portErrs.length) errs.push(invalidField(`${path}.port`, port, `port is not valid: ${portErrs.join(', ')}`));
  const p = svc.path;
  if (typeof p !== 'string' || p === '' || p === '/') return errs;
  if (p === '//') return [...errs, invalidField(`${path}.path`, p, 'segment[0] may not be empty')];
  if (!p.startsWith('/')) return [...errs, invalidField(`${path}.path`, p, "must start with a '/'")];
  const segments = p.slice(1).split('/');
  segments.forEach((s, i) => {
    if (s === '' && i !== segments.length - 1) errs.push(invalidField(`${path}.path`, p, `segment[${i}] may not be empty`));
  });
  return errs;
}

/** validateMatchConditions checks matchConditions (names unique qualified names, expressions compile). */
export function validateMatchConditions(conds: unknown, path: string, variables: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(conds).forEach((c, i) => {
    const mc: Obj = isObj(c) ? c : {};
    const p = `${path}[${i}]`;
    const expression = str(mc.expression);
    if (expression.trim() === '') errs.push(required(`${p}.expression`));
    const name = str(mc.name);
    if (!name) errs.push(required(`${p}.name`));
    else errs.push(...isQualifiedName(name).map((m) => invalidField(`${p}.name`, name, m)));
    if (expression.trim() !== '') {
      const compiled = compileAdmissionCEL(expression, variables, 'bool');
      if ('error' in compiled) errs.push(invalidField(`${p}.expression`, expression, compiled.error));
    }
    if (name) {
      if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
  });
  return errs;
}

function validateAdmissionReviewVersions(versions: unknown, path: string): FieldError[] {
  const vs = list(versions);
  if (vs.length === 0) return [required(path, `must specify one of ${ADMISSION_REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  vs.forEach((v, i) => {
    const s = str(v);
    if (seen.has(s)) { errs.push(invalidField(`${path}[${i}]`, v, 'duplicate version')); return; }
    seen.add(s);
    errs.push(...isDNS1035Label(s).map((m) => invalidField(`${path}[${i}]`, v, m)));
    if (ADMISSION_REVIEW_VERSIONS.includes(s)) accepted = true;
  });
  if (!accepted) errs.push(invalidField(path, vs, `must include at least one of ${ADMISSION_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

/** validateWebhook checks one webhook of a Mutating/ValidatingWebhookConfiguration. */
function validateWebhook(hook: Obj, path: string, mutating: boolean): FieldError[] {
  const errs = isFullyQualifiedName(str(hook.name), `${path}.name`);
  list(hook.rules).forEach((r, i) => errs.push(...validateRuleWithOperations(r, `${path}.rules[${i}]`)));
  if (hook.failurePolicy !== undefined && !FAILURE_POLICIES.includes(str(hook.failurePolicy))) errs.push(notSupported(`${path}.failurePolicy`, hook.failurePolicy, FAILURE_POLICIES));
  if (hook.matchPolicy !== undefined && !MATCH_POLICIES.includes(str(hook.matchPolicy))) errs.push(notSupported(`${path}.matchPolicy`, hook.matchPolicy, MATCH_POLICIES));
  if (hook.sideEffects === undefined || hook.sideEffects === null) errs.push(required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(', ')}`));
  else if (!SIDE_EFFECTS.includes(str(hook.sideEffects))) errs.push(notSupported(`${path}.sideEffects`, hook.sideEffects, SIDE_EFFECTS));
  const t = hook.timeoutSeconds;
  if (typeof t === 'number' && (t > 30 || t < 1)) errs.push(invalidField(`${path}.timeoutSeconds`, t, 'the timeout value must be between 1 and 30 seconds'));
  errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  if (mutating && hook.reinvocationPolicy !== undefined && !REINVOCATION_POLICIES.includes(str(hook.reinvocationPolicy))) {
    errs.push(notSupported(`${path}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  const cc: Obj = isObj(hook.clientConfig) ? hook.clientConfig : {};
  const hasURL = typeof cc.url === 'string';
  const hasService = isObj(cc.service);
  if (hasURL === hasService) errs.push(required(`${path}.clientConfig`, 'exactly one of url or service is required'));
  else if (hasURL) errs.push(...validateWebhookURL(cc.url, `${path}.clientConfig.url`));
  else errs.push(...validateWebhookService(cc.service, `${path}.clientConfig.service`));
  errs.push(...validateMatchConditions(hook.matchConditions, `${path}.matchConditions`, MATCH_CONDITION_VARIABLES));
  return errs;
}

/** validateWebhookConfiguration checks a Mutating- or ValidatingWebhookConfiguration. */
export function validateWebhookConfiguration(cfg: Obj, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(cfg.webhooks).forEach((h, i) => {
    const hook: Obj = isObj(h) ? h : {};
    const path = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, path, mutating));
    errs.push(...validateAdmissionReviewVersions(hook.admissionReviewVersions, `${path}.admissionReviewVersions`));
    const name = str(hook.name);
    if (name) {
      if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
      names.add(name);
    }
  });
  return errs;
}

/** validateMatchResources checks a policy's matchConstraints or a binding's matchResources. */
function validateMatchResources(mc: unknown, path: string): FieldError[] {
  if (!isObj(mc)) return [];
  const errs: FieldError[] = [];
  if (mc.matchPolicy !== undefined && !MATCH_POLICIES.includes(str(mc.matchPolicy))) errs.push(notSupported(`${path}.matchPolicy`, mc.matchPolicy, MATCH_POLICIES));
  errs.push(...validateLabelSelector(mc.namespaceSelector, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(mc.objectSelector, `${path}.objectSelector`));
  for (const f of ['resourceRules', 'excludeResourceRules']) {
    list(mc[f]).forEach((r, i) => {
      const rule: Obj = isObj(r) ? r : {};
      errs.push(...validateRuleWithOperations(rule, `${path}.${f}[${i}]`));
      list(rule.resourceNames).forEach((n, j) => {
        errs.push(...isDNS1123Subdomain(str(n)).map((m) => invalidField(`${path}.${f}[${i}].resourceNames[${j}]`, n, m)));
      });
    });
  }
  return errs;
}

const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** validateValidatingAdmissionPolicy checks a policy's spec. */
export function validateValidatingAdmissionPolicy(vap: Obj): FieldError[] {
  const spec: Obj = isObj(vap.spec) ? vap.spec : {};
  const errs: FieldError[] = [];
  if (spec.failurePolicy === undefined || spec.failurePolicy === null) errs.push(required('spec.failurePolicy'));
  else if (!FAILURE_POLICIES.includes(str(spec.failurePolicy))) errs.push(notSupported('spec.failurePolicy', spec.failurePolicy, FAILURE_POLICIES));
  if (isObj(spec.paramKind)) {
    const pk = spec.paramKind;
    if (!str(pk.apiVersion)) errs.push(required('spec.paramKind.apiVersion'));
    else if (str(pk.apiVersion).split('/').length > 2) errs.push(invalidField('spec.paramKind.apiVersion', pk.apiVersion, `unexpected GroupVersion string: ${pk.apiVersion}`));
    if (!str(pk.kind)) errs.push(required('spec.paramKind.kind'));
    else {
      const kindErrs = isDNS1035Label(str(pk.kind).toLowerCase());
      if (kindErrs.length) errs.push(invalidField('spec.paramKind.kind', pk.kind, `may have mixed case, but should otherwise match: ${kindErrs.join(',')}`));
    }
  }
  if (!isObj(spec.matchConstraints)) errs.push(required('spec.matchConstraints'));
  else {
    errs.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints'));
    if (list(spec.matchConstraints.resourceRules).length === 0) errs.push(required('spec.matchConstraints.resourceRules'));
  }
  if (list(spec.validations).length === 0 && list(spec.auditAnnotations).length === 0) {
    errs.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  }
  list(spec.variables).forEach((v, i) => {
    const variable: Obj = isObj(v) ? v : {};
    const p = `spec.variables[${i}]`;
    const name = str(variable.name);
    if (!name) errs.push(required(`${p}.name`));
    else if (!CEL_IDENTIFIER.test(name)) errs.push(invalidField(`${p}.name`, name, 'name is not a valid CEL identifier'));
    const expression = str(variable.expression);
    if (expression.trim() === '') errs.push(required(`${p}.expression`));
    else {
      const c = compileAdmissionCEL(expression, VALIDATION_VARIABLES, 'any');
      if ('error' in c) errs.push(invalidField(`${p}.expression`, expression, c.error));
    }
  });
  errs.push(...validateMatchConditions(spec.matchConditions, 'spec.matchConditions', VALIDATION_VARIABLES));
  list(spec.validations).forEach((v, i) => {
    const val: Obj = isObj(v) ? v : {};
    const p = `spec.validations[${i}]`;
    const expression = str(val.expression);
    if (expression.trim() === '') errs.push(required(`${p}.expression`, 'expression is not specified'));
    else {
      const c = compileAdmissionCEL(expression, VALIDATION_VARIABLES, 'bool');
      if ('error' in c) errs.push(invalidField(`${p}.expression`, expression, c.error));
    }
    const me = str(val.messageExpression);
    if (me.length > 0 && me.trim() === '') errs.push(invalidField(`${p}.messageExpression`, me, 'must be non-empty if specified'));
    else if (me) {
      const c = compileAdmissionCEL(me, VALIDATION_VARIABLES, 'string');
      if ('error' in c) errs.push(invalidField(`${p}.messageExpression`, me, c.error.replace(/^compilation failed: /, 'messageExpression compilation failed: ')));
    }
    const msg = str(val.message);
    if (msg.length > 0 && msg.trim() === '') errs.push(invalidField(`${p}.message`, msg, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(msg.trim())) errs.push(invalidField(`${p}.message`, msg, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(expression) && msg.trim() === '' && !me) errs.push(required(`${p}.message`, 'message must be specified if expression contains line breaks'));
    if (val.reason !== undefined && val.reason !== null && !POLICY_REASONS.includes(str(val.reason))) errs.push(notSupported(`${p}.reason`, val.reason, POLICY_REASONS));
  });
  return errs;
}

/** validateValidatingAdmissionPolicyBinding checks a binding's spec. */
export function validateValidatingAdmissionPolicyBinding(b: Obj): FieldError[] {
  const spec: Obj = isObj(b.spec) ? b.spec : {};
  const errs: FieldError[] = [];
  const policyName = str(spec.policyName);
  if (!policyName) errs.push(required('spec.policyName'));
  else errs.push(...isDNS1123Subdomain(policyName).map((m) => invalidField('spec.policyName', policyName, m)));
  if (isObj(spec.paramRef)) {
    const pr = spec.paramRef;
    const name = str(pr.name);
    if (name) {
      errs.push(...isDNS1123Subdomain(name).map((m) => invalidField('spec.paramRef.name', name, m)));
      if (isObj(pr.selector)) errs.push(forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    }
    if (str(pr.namespace)) errs.push(...isDNS1123Label(str(pr.namespace)).map((m) => invalidField('spec.paramRef.namespace', pr.namespace, m)));
    if (!str(pr.parameterNotFoundAction)) errs.push(required('spec.paramRef.parameterNotFoundAction'));
    else if (!PARAMETER_NOT_FOUND_ACTIONS.includes(str(pr.parameterNotFoundAction))) {
      errs.push(notSupported('spec.paramRef.parameterNotFoundAction', pr.parameterNotFoundAction, PARAMETER_NOT_FOUND_ACTIONS));
    }
    if (!name && !isObj(pr.selector)) errs.push(required('spec.paramRef', 'one of name or selector must be specified'));
  }
  // "matchResouces" is Kubernetes' own spelling of this path.
  errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResouces'));
  const actions = list(spec.validationActions);
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!VALIDATION_ACTIONS.includes(str(a))) errs.push(notSupported(`spec.validationActions[${i}]`, a, VALIDATION_ACTIONS));
    if (seen.has(str(a))) errs.push(duplicate(`spec.validationActions[${i}]`, a));
    seen.add(str(a));
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(invalidField('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  if (seen.size === 0) errs.push(required('spec.validationActions', 'at least one validation action is required'));
  return errs;
}
