/**
 * ValidatingAdmissionPolicy (k8s.io/apiserver/pkg/admission/plugin/policy/validating): every
 * ValidatingAdmissionPolicyBinding whose policy matches the request (matchConstraints, then the
 * binding's matchResources) evaluates the policy's CEL validations against object, oldObject,
 * request, params (paramKind/paramRef), namespaceObject and variables, after its matchConditions.
 * A failed validation is reported per the binding's validationActions: Deny refuses with
 * Kubernetes' message (`ValidatingAdmissionPolicy 'p' with binding 'b' denied request: …`), Warn
 * adds a warning, Audit is logged (tskube keeps no audit log). Evaluation errors follow the
 * policy's failurePolicy. Policies and bindings come from watched caches.
 *
 * Status: a policy's status gets observedGeneration and an empty typeChecking once seen;
 * expressions are not type-checked against the matched resources' schemas (the admission CEL
 * environment declares its variables dyn), so typeChecking.expressionWarnings stay empty.
 */
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { compileAdmissionCEL, VALIDATION_VARIABLES, variablesValue } from '../../api/admissionregistration/cel.js';
import { forbidden, StatusError, type StatusReason } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec, labelSelectorString, type LabelSelectorSpec } from '../../apimachinery/labels.js';
import { log } from '../../util/log.js';
import { ObjectCache } from '../cache.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../interfaces.js';
import { admissionRequest, namedRuleMatches, namespaceSelectorMatches, objectSelectorMatches } from '../match.js';
import type { PluginDeps } from '../plugins/deps.js';

const logger = log.child({ component: 'validating-admission-policy' });
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const GROUP = 'admissionregistration.k8s.io';

const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/** PolicyDecision is one failed validation (or a configuration/evaluation error under failurePolicy Fail). */
interface PolicyDecision {
  message: string;
  reason: string;
}

/** ValidatingAdmissionPolicyPlugin is the ValidatingAdmissionPolicy admission plugin. */
export class ValidatingAdmissionPolicyPlugin implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  private readonly policies: ObjectCache;
  private readonly bindings: ObjectCache;
  private statusSync = Promise.resolve();

  constructor(private readonly deps: PluginDeps) {
    const signal = deps.signal ?? new AbortController().signal;
    this.policies = new ObjectCache(() => deps.storeFor(GROUP, 'v1', 'validatingadmissionpolicies'), signal, deps.clock, () => this.queueStatusSync());
    this.bindings = new ObjectCache(() => deps.storeFor(GROUP, 'v1', 'validatingadmissionpolicybindings'), signal, deps.clock);
    // Policies get their status without waiting for a request.
    if (deps.signal) this.policies.start();
  }

  handles(): boolean { return true; }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    // Policies never judge admission configuration itself, so a bad policy cannot lock out its fix.
    if (attrs.def.group === GROUP) return;
    const bindings = await this.bindings.list();
    if (bindings.length === 0) return;
    const sorted = [...bindings].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    for (const binding of sorted) {
      const spec = (binding.spec ?? {}) as Obj;
      const policy = await this.policies.get(String(spec.policyName ?? ''));
      if (!policy) continue;
      await this.evaluateBinding(policy, binding, attrs);
    }
  }

  private async namespace(name: string): Promise<KubeObject | undefined> {
    try {
      return await this.deps.storeFor('', 'v1', 'namespaces').get(undefined, name);
    } catch {
      return undefined;
    }
  }

  /** matches is matching.Matcher: selectors, then not excluded, then a resource rule (none: everything, for bindings). */
  private async matches(mr: unknown, attrs: AdmissionAttributes, emptyRulesMatch: boolean): Promise<boolean> {
    if (!isObj(mr)) return emptyRulesMatch;
    if (!(await namespaceSelectorMatches(mr.namespaceSelector, attrs, (n) => this.namespace(n)))) return false;
    if (!objectSelectorMatches(mr.objectSelector, attrs)) return false;
    if (objs(mr.excludeResourceRules).some((r) => namedRuleMatches(r, attrs))) return false;
    const rules = objs(mr.resourceRules);
    if (rules.length === 0) return emptyRulesMatch;
    return rules.some((r) => namedRuleMatches(r, attrs));
  }

  private async evaluateBinding(policy: KubeObject, binding: KubeObject, attrs: AdmissionAttributes): Promise<void> {
    const pspec = (policy.spec ?? {}) as Obj;
    const bspec = (binding.spec ?? {}) as Obj;
    if (!(await this.matches(pspec.matchConstraints, attrs, false))) return;
    if (!(await this.matches(bspec.matchResources, attrs, true))) return;
    const failClosed = pspec.failurePolicy !== 'Ignore';
    const decisions: PolicyDecision[] = [];
    let params: (KubeObject | null)[];
    try {
      params = await this.params(pspec, bspec, attrs);
    } catch (e) {
      if (e instanceof BindingError) {
        if (e.deny || failClosed) decisions.push({ message: e.message, reason: 'Invalid' });
      } else throw e;
      params = [];
    }
    const namespaceObject = attrs.def.namespaced && attrs.namespace ? await this.namespace(attrs.namespace) ?? null : null;
    const request = admissionRequest({ ...attrs, object: undefined, oldObject: undefined }, '');
    for (const param of params) {
      const vars: Record<string, unknown> = {
        object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request, params: param, namespaceObject,
      };
      vars.variables = variablesValue(this.variables(pspec, vars));
      decisions.push(...this.evaluate(pspec, vars, failClosed));
    }
    if (decisions.length === 0) return;
    const actions = Array.isArray(bspec.validationActions) ? bspec.validationActions : [];
    const who = `ValidatingAdmissionPolicy '${policy.metadata?.name}' with binding '${binding.metadata?.name}'`;
    for (const d of decisions) {
      if (actions.includes('Warn')) attrs.warnings?.push(`Validation failed for ${who}: ${d.message}`);
      if (actions.includes('Audit')) logger.info('validation failed (Audit)', { policy: policy.metadata?.name, binding: binding.metadata?.name, message: d.message });
    }
    if (actions.includes('Deny')) throw denied(attrs, `${who} denied request: ${decisions[0].message}`, decisions[0].reason);
  }

  /** variables evaluates the policy's variables in order (each sees the earlier ones); an error is kept for whoever uses it. */
  private variables(pspec: Obj, vars: Record<string, unknown>): Map<string, unknown> {
    const values = new Map<string, unknown>();
    for (const v of objs(pspec.variables)) {
      const name = String(v.name ?? '');
      const compiled = compileAdmissionCEL(String(v.expression ?? ''), VALIDATION_VARIABLES, 'any');
      if ('error' in compiled) continue;
      const r = compiled.program.evaluate({ ...vars, variables: variablesValue(values) });
      if ('value' in r) values.set(name, r.value);
    }
    return values;
  }

  /** evaluate runs matchConditions then every validation for one param; it returns the failures. */
  private evaluate(pspec: Obj, vars: Record<string, unknown>, failClosed: boolean): PolicyDecision[] {
    for (const c of objs(pspec.matchConditions)) {
      const compiled = compileAdmissionCEL(String(c.expression ?? ''), VALIDATION_VARIABLES, 'bool');
      const r = 'error' in compiled ? compiled : compiled.program.evaluate(vars);
      if ('error' in r) {
        return failClosed ? [{ message: `failed to evaluate match condition ${JSON.stringify(c.name)}: ${r.error}`, reason: 'Invalid' }] : [];
      }
      if (r.value !== true) return [];
    }
    const out: PolicyDecision[] = [];
    for (const v of objs(pspec.validations)) {
      const expression = String(v.expression ?? '');
      const reason = typeof v.reason === 'string' && v.reason ? v.reason : 'Invalid';
      const compiled = compileAdmissionCEL(expression, VALIDATION_VARIABLES, 'bool');
      const r = 'error' in compiled ? compiled : compiled.program.evaluate(vars);
      if ('error' in r) {
        if (failClosed) out.push({ message: `expression '${expression}' resulted in error: ${r.error}`, reason });
        continue;
      }
      if (r.value === true) continue;
      out.push({ message: this.message(v, vars) ?? `failed expression: ${expression.trim()}`, reason });
    }
    return out;
  }

  /** message is the messageExpression's result when it gives a non-empty string, else message. */
  private message(v: Obj, vars: Record<string, unknown>): string | undefined {
    if (typeof v.messageExpression === 'string' && v.messageExpression.trim()) {
      const compiled = compileAdmissionCEL(v.messageExpression, VALIDATION_VARIABLES, 'string');
      const r = 'error' in compiled ? compiled : compiled.program.evaluate(vars);
      if ('value' in r && typeof r.value === 'string' && r.value.trim() && !/[\n\r]/.test(r.value)) return r.value.trim();
      if ('error' in r) logger.v(2).info('messageExpression failed', { error: r.error });
    }
    return typeof v.message === 'string' && v.message ? v.message : undefined;
  }

  /**
   * params resolves the binding's paramRef against the policy's paramKind: by name or by selector,
   * in paramRef.namespace or the request's namespace. Without paramKind there is one (null) param.
   */
  private async params(pspec: Obj, bspec: Obj, attrs: AdmissionAttributes): Promise<(KubeObject | null)[]> {
    if (!isObj(pspec.paramKind)) return [null];
    const pk = pspec.paramKind;
    const [group, version] = String(pk.apiVersion ?? '').includes('/') ? String(pk.apiVersion).split('/') : ['', String(pk.apiVersion ?? '')];
    const def = (this.deps.resources?.() ?? []).find((d) => d.group === group && d.version === version && d.kind === pk.kind);
    if (!def) throw new BindingError(`failed to configure policy: failed to find resource referenced by paramKind: '${pk.apiVersion}, Kind=${pk.kind}'`);
    const ref = bspec.paramRef;
    if (!isObj(ref)) throw new BindingError('failed to configure binding: paramRef is required when paramKind is set');
    let namespace: string | undefined;
    if (def.namespaced) {
      namespace = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : attrs.namespace;
      if (!namespace) throw new BindingError('failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
    }
    const found = await this.findParams(def, namespace, ref);
    if (found.length > 0) return found;
    if (ref.parameterNotFoundAction === 'Allow') return [];
    throw new BindingError('failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction', true);
  }

  private async findParams(def: ResourceDefinition, namespace: string | undefined, ref: Obj): Promise<KubeObject[]> {
    const store = this.deps.storeForDef ? this.deps.storeForDef(def) : this.deps.storeFor(def.group, def.version, def.plural);
    if (typeof ref.name === 'string' && ref.name) {
      try {
        return [await store.get(namespace, ref.name)];
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return [];
        throw e;
      }
    }
    const selector = labelSelectorString(labelSelectorFromSpec((ref.selector ?? {}) as LabelSelectorSpec));
    return (await store.list(namespace, { labelSelector: selector || undefined })).items;
  }

  private queueStatusSync(): void {
    this.statusSync = this.statusSync.then(() => this.syncStatus()).catch((e) => logger.error(e, 'updating ValidatingAdmissionPolicy status'));
  }

  /** syncStatus records that each policy's current generation was seen (observedGeneration, typeChecking). */
  private async syncStatus(): Promise<void> {
    const store = this.deps.storeFor(GROUP, 'v1', 'validatingadmissionpolicies');
    for (const p of await this.policies.list()) {
      const status = (p.status ?? {}) as Obj;
      if (status.observedGeneration === p.metadata?.generation && isObj(status.typeChecking)) continue;
      const next = structuredClone(p) as KubeObject;
      next.status = { ...status, observedGeneration: p.metadata?.generation, typeChecking: {} };
      try {
        await store.update(undefined, p.metadata?.name ?? '', next, { subresource: 'status' });
      } catch (e) {
        // A newer version is on its way through the watch: it is handled then.
        if (!(e instanceof StatusError && (e.code === 409 || e.code === 404))) throw e;
      }
    }
  }
}

/** BindingError is a binding or policy that cannot be applied (deny: parameterNotFoundAction Deny). */
class BindingError extends Error {
  constructor(message: string, readonly deny = false) {
    super(message);
  }
}

/** denied is the refusal: admission.NewForbidden's message, with the validation's reason and code. */
function denied(attrs: AdmissionAttributes, message: string, reason: string): StatusError {
  const f = forbidden({ group: attrs.def.group, resource: attrs.def.plural }, attrs.name, message);
  return new StatusError(REASON_CODES[reason] ?? 422, reason as StatusReason, f.message, { ...f.details, causes: [{ message }] });
}
