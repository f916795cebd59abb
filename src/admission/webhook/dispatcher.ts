/**
 * MutatingAdmissionWebhook and ValidatingAdmissionWebhook (k8s.io/apiserver/pkg/admission/plugin/
 * webhook): the webhooks of every Mutating/ValidatingWebhookConfiguration (read from a watched
 * cache, configurations in name order) are matched against the request (rules, namespaceSelector,
 * objectSelector, matchConditions) and called with an AdmissionReview. Mutating webhooks run one
 * after another and may patch the object (JSONPatch), those with reinvocationPolicy IfNeeded once
 * more when a later webhook changed it; validating webhooks run in parallel. A webhook that cannot
 * be called is skipped under failurePolicy Ignore and refuses the request under Fail.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/resource.js';
import { compileAdmissionCEL, MATCH_CONDITION_VARIABLES } from '../../api/admissionregistration/cel.js';
import { internalError, StatusError, type StatusDetails } from '../../apimachinery/errors.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { applyJsonPatch } from '../../apimachinery/patch/json-patch.js';
import { log } from '../../util/log.js';
import { ObjectCache } from '../cache.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';
import { admissionRequest, namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from '../match.js';
import type { PluginDeps } from '../plugins/deps.js';
import { CallError, postAdmissionReview, resolveWebhookTarget, type WebhookTarget } from './client.js';
import { decodeMutatedObject } from './decode.js';

const logger = log.child({ component: 'admission-webhook' });
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const GROUP = 'admissionregistration.k8s.io';

/** Webhook is one webhook of a configuration, in dispatch order. */
interface Webhook {
  configuration: string;
  hook: Obj;
  name: string;
}

/** ErrCallingWebhook is webhookutil.ErrCallingWebhook: the webhook could not give an answer. */
export class ErrCallingWebhook extends Error {
  constructor(readonly webhook: string, reason: string) {
    super(`failed calling webhook "${webhook}": ${reason}`);
  }
}

/**
 * toStatusErr is webhookerrors.ToStatusErr: a webhook's refusal as the API's Status (never below
 * 400, never Success), its message prefixed with `admission webhook "x" denied the request`.
 */
export function toStatusErr(webhook: string, result: unknown): StatusError {
  const r: Obj = isObj(result) ? result : {};
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const message = typeof r.message === 'string' && r.message ? `${deniedBy}: ${r.message}`
    : typeof r.reason === 'string' && r.reason ? `${deniedBy}: ${r.reason}` : `${deniedBy} without explanation`;
  const details = isObj(r.details) ? r.details as StatusDetails : undefined;
  return new StatusError(code, (typeof r.reason === 'string' ? r.reason : '') as StatusError['reason'], message, details);
}

/** WebhookSource lists the webhooks of one configuration kind from its cache, rebuilt when the cache changes. */
class WebhookSource {
  private built = -1;
  private hooks: Webhook[] = [];
  constructor(private readonly cache: ObjectCache) {}

  async webhooks(): Promise<Webhook[]> {
    const configs = await this.cache.list();
    if (this.built === this.cache.revision) return this.hooks;
    const sorted = [...configs].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    this.hooks = sorted.flatMap((c) => (Array.isArray(c.webhooks) ? c.webhooks : []).filter(isObj)
      .map((hook) => ({ configuration: c.metadata?.name ?? '', hook, name: String(hook.name ?? '') })));
    this.built = this.cache.revision;
    return this.hooks;
  }
}

/** WebhookDispatcher holds what both webhook plugins share: matching, service resolution, calls. */
class WebhookDispatcher {
  readonly source: WebhookSource;
  private readonly signal: AbortSignal;

  constructor(private readonly deps: PluginDeps, plural: string) {
    this.signal = deps.signal ?? new AbortController().signal;
    this.source = new WebhookSource(new ObjectCache(() => deps.storeFor(GROUP, 'v1', plural), this.signal, deps.clock));
  }

  private async namespace(name: string): Promise<KubeObject | undefined> {
    try {
      return await this.deps.storeFor('', 'v1', 'namespaces').get(undefined, name);
    } catch {
      return undefined;
    }
  }

  /**
   * shouldCall: a rule matches, the selectors match and every matchCondition is true. A
   * matchCondition that cannot be evaluated is a call error (failurePolicy decides).
   */
  async shouldCall(w: Webhook, attrs: AdmissionAttributes): Promise<boolean> {
    const rules = Array.isArray(w.hook.rules) ? w.hook.rules : [];
    if (!rules.some((r) => ruleMatches(r, attrs))) return false;
    if (!(await namespaceSelectorMatches(w.hook.namespaceSelector, attrs, (n) => this.namespace(n)))) return false;
    if (!objectSelectorMatches(w.hook.objectSelector, attrs)) return false;
    const conditions = Array.isArray(w.hook.matchConditions) ? w.hook.matchConditions.filter(isObj) : [];
    if (conditions.length === 0) return true;
    const vars = { object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request: admissionRequest({ ...attrs, object: undefined, oldObject: undefined }, '') };
    const errors: string[] = [];
    for (const c of conditions) {
      const compiled = compileAdmissionCEL(String(c.expression ?? ''), MATCH_CONDITION_VARIABLES, 'bool');
      const r = 'error' in compiled ? compiled : compiled.program.evaluate(vars);
      if ('error' in r) { errors.push(`failed to evaluate match condition ${JSON.stringify(c.name)}: ${r.error}`); continue; }
      // Any false condition skips the webhook, even when another one failed to evaluate.
      if (r.value !== true) return false;
    }
    if (errors.length) throw new ErrCallingWebhook(w.name, errors.join(', '));
    return true;
  }

  /** target resolves clientConfig: the URL, or the Service's ready endpoint (else its cluster IP) and port. */
  private target(w: Webhook): Promise<WebhookTarget> {
    return resolveWebhookTarget(w.hook.clientConfig, (g, v, p) => this.deps.storeFor(g, v, p));
  }

  /**
   * call sends the review and returns the response (allowed, status, patch, warnings) after
   * checking it is one; failures are ErrCallingWebhook.
   */
  async call(w: Webhook, attrs: AdmissionAttributes, mutating: boolean): Promise<Obj> {
    const versions = Array.isArray(w.hook.admissionReviewVersions) ? w.hook.admissionReviewVersions : ['v1'];
    const version = versions.find((v) => v === 'v1' || v === 'v1beta1') ?? 'v1';
    const uid = randomUUID();
    const review = { apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview', request: admissionRequest(attrs, uid) };
    const timeout = typeof w.hook.timeoutSeconds === 'number' ? w.hook.timeoutSeconds : 10;
    let body: Obj;
    try {
      body = await postAdmissionReview(await this.target(w), review, timeout, this.deps.clock);
    } catch (e) {
      throw new ErrCallingWebhook(w.name, `failed to call webhook: ${(e as Error).message}`);
    }
    const invalid = (why: string) => new ErrCallingWebhook(w.name, `received invalid webhook response: ${why}`);
    if (body.apiVersion !== review.apiVersion || body.kind !== 'AdmissionReview') {
      const [g, v] = String(body.apiVersion ?? '').includes('/') ? String(body.apiVersion).split('/') : ['', String(body.apiVersion ?? '')];
      throw invalid(`expected webhook response of ${review.apiVersion}, Kind=AdmissionReview, got ${g ? `${g}/` : ''}${v}, Kind=${body.kind ?? ''}`);
    }
    const response = body.response;
    if (!isObj(response)) throw invalid('webhook response was absent');
    if (response.uid !== uid) throw invalid(`expected response.uid="${uid}", got "${response.uid ?? ''}"`);
    if (response.patch !== undefined && response.patch !== null && response.patch !== '') {
      if (!mutating) throw invalid('validating webhook may not return a patch');
      if (response.patchType !== 'JSONPatch') throw invalid(`expected patchType "JSONPatch", got "${response.patchType ?? ''}"`);
    } else if (response.patchType !== undefined && response.patchType !== null && response.patchType !== '') {
      throw invalid('webhook returned patchType without patch');
    }
    for (const warning of Array.isArray(response.warnings) ? response.warnings : []) {
      if (typeof warning === 'string' && warning) attrs.warnings?.push(warning);
    }
    return response;
  }

  /** ignoreOrFail applies the webhook's failurePolicy to a call error. */
  ignoreOrFail(w: Webhook, e: unknown): void {
    if (!(e instanceof ErrCallingWebhook)) throw e;
    if (w.hook.failurePolicy === 'Ignore') {
      logger.info('failed calling webhook, failing open', { webhook: w.name, error: e.message });
      return;
    }
    throw internalError(e);
  }
}

/** MutatingAdmissionWebhook calls the matching mutating webhooks one by one and applies their patches. */
export class MutatingAdmissionWebhook implements AdmissionPlugin {
  readonly name = 'MutatingAdmissionWebhook';
  private readonly dispatcher: WebhookDispatcher;

  constructor(deps: PluginDeps) {
    this.dispatcher = new WebhookDispatcher(deps, 'mutatingwebhookconfigurations');
  }

  handles(op: Operation): boolean { return op !== 'DELETE'; }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (isAdmissionConfiguration(attrs)) return;
    const hooks = await this.dispatcher.source.webhooks();
    if (hooks.length === 0) return;
    // Which IfNeeded webhooks ran before the object last changed (by someone else): they run again, once.
    const invoked: { w: Webhook; at: number }[] = [];
    let lastChange = -1;
    let step = 0;
    for (const w of hooks) {
      step++;
      if (await this.callOne(w, attrs)) lastChange = step;
      invoked.push({ w, at: step });
    }
    const again = invoked.filter(({ w, at }) => w.hook.reinvocationPolicy === 'IfNeeded' && at < lastChange);
    for (const { w } of again) await this.callOne(w, attrs);
  }

  /** callOne calls one webhook if it matches; true when its patch changed the object. */
  private async callOne(w: Webhook, attrs: AdmissionAttributes): Promise<boolean> {
    try {
      if (!(await this.dispatcher.shouldCall(w, attrs))) return false;
      const response = await this.dispatcher.call(w, attrs, true);
      if (response.allowed !== true) throw toStatusErr(w.name, response.status);
      if (typeof response.patch !== 'string' || !response.patch || !attrs.object) return false;
      let patched: KubeObject;
      try {
        const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as unknown;
        patched = applyJsonPatch(attrs.object, ops) as KubeObject;
      } catch (e) {
        throw internalError(e instanceof StatusError ? e.message : (e as Error).message);
      }
      decodeMutatedObject(attrs.def, patched, attrs.subresource);
      if (deepEqual(patched, attrs.object)) return false;
      // Mutating plugins change attrs.object in place: the store holds this very object.
      for (const k of Object.keys(attrs.object)) delete (attrs.object as Obj)[k];
      Object.assign(attrs.object, patched);
      return true;
    } catch (e) {
      this.dispatcher.ignoreOrFail(w, e);
      return false;
    }
  }
}

/** ValidatingAdmissionWebhook calls the matching validating webhooks in parallel; any refusal refuses. */
export class ValidatingAdmissionWebhook implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionWebhook';
  private readonly dispatcher: WebhookDispatcher;

  constructor(deps: PluginDeps) {
    this.dispatcher = new WebhookDispatcher(deps, 'validatingwebhookconfigurations');
  }

  handles(): boolean { return true; }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    if (isAdmissionConfiguration(attrs)) return;
    const hooks = await this.dispatcher.source.webhooks();
    if (hooks.length === 0) return;
    const results = await Promise.all(hooks.map(async (w): Promise<unknown> => {
      try {
        if (!(await this.dispatcher.shouldCall(w, attrs))) return undefined;
        const response = await this.dispatcher.call(w, attrs, false);
        if (response.allowed !== true) return toStatusErr(w.name, response.status);
      } catch (e) {
        try {
          this.dispatcher.ignoreOrFail(w, e);
        } catch (refusal) {
          return refusal;
        }
      }
      return undefined;
    }));
    const refusal = results.find((r) => r !== undefined);
    if (refusal) throw refusal;
  }
}

/**
 * isAdmissionConfiguration: webhook configurations and policies are never sent to webhooks, so a
 * broken webhook cannot lock its own fix out (Kubernetes' IsExemptAdmissionConfigurationResource).
 */
function isAdmissionConfiguration(attrs: AdmissionAttributes): boolean {
  return attrs.def.group === GROUP;
}
