/**
 * PodSecurity is kube-apiserver's Pod Security admission plugin (plugin/pkg/admission/security/podsecurity
 * over k8s.io/pod-security-admission/admission), on by default. It validates, never mutates:
 *
 * - Pods (create, and updates that change an image or add a container — pods/ephemeralcontainers
 *   too; status, binding, exec … are not looked at) are held to their namespace's enforce level
 *   (403 `violates PodSecurity "level:version": …`), and get a warning for the warn level.
 * - Workload resources with a pod template (Deployments, ReplicaSets, StatefulSets, DaemonSets,
 *   Jobs, CronJobs, ReplicationControllers, PodTemplates) are only warned about (and audited).
 * - Namespaces: invalid pod-security labels are refused (422); a stricter enforce level dry-runs
 *   the namespace's pods and warns about the ones it would refuse.
 * - audit: Kubernetes puts the verdict on the request's audit event; tskube keeps no audit log, so
 *   the audit annotations are logged (as ValidatingAdmissionPolicy's Audit actions are).
 *
 * Exemptions and defaults are the PodSecurityConfiguration's: none and privileged:latest, as
 * kube-apiserver runs without an admission configuration file (tskube reads none).
 */
import type { KubeObject } from '../../../api/resource.js';
import { fieldErrorMessage, forbidden, internalError, invalid, StatusError, type FieldError } from '../../../apimachinery/errors.js';
import type { RegistryStore } from '../../../registry/store.js';
import { realClock, type Clock } from '../../../util/clock.js';
import { log } from '../../../util/log.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../../interfaces.js';
import {
  AUDIT_ANNOTATION_PREFIX, AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, compareLevels, DEFAULT_POLICY, ENFORCE_LEVEL_LABEL,
  ENFORCE_VERSION_LABEL, equivalent, fullyPrivileged, levelVersionString, policyToEvaluate, sameLevelVersion, sameVersion,
  WARN_LEVEL_LABEL, WARN_VERSION_LABEL, type LevelVersion, type Policy,
} from './api.js';
import { Evaluator, forbiddenDetail, forbiddenReason, type AggregateResult } from './evaluator.js';
import { byteOrder, isObj, list, obj, str, type Obj, type PodView } from './helpers.js';

const logger = log.child({ component: 'podsecurity' });

/** PodSecurityConfiguration is what an AdmissionConfiguration would give the plugin. */
export interface PodSecurityConfiguration {
  defaults: Policy;
  exemptions: { usernames: string[]; namespaces: string[]; runtimeClasses: string[] };
}

export const DEFAULT_CONFIGURATION: PodSecurityConfiguration = Object.freeze({
  defaults: DEFAULT_POLICY,
  exemptions: { usernames: [], namespaces: [], runtimeClasses: [] },
});

/** PodSecurityDeps: the namespace and pod stores, and the clock that bounds the namespace dry-run. */
export interface PodSecurityDeps {
  storeFor(group: string, version: string, plural: string): RegistryStore;
  clock?: Clock;
}

/** how many existing pods, and for how long, a namespace's new enforce level is tried on (Kubernetes' limits) */
export const NAMESPACE_MAX_PODS_TO_CHECK = 3000;
export const NAMESPACE_POD_CHECK_TIMEOUT_MS = 1000;

/** The pod subresources whose writes cannot change what the checks read. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** templateOf finds the pod template of a workload resource (undefined: the resource has none). */
type TemplateOf = (o: Obj) => unknown;
const fromSpec: TemplateOf = (o) => obj(o.spec)?.template ?? {};
const POD_CONTROLLERS: Record<string, TemplateOf> = {
  '/replicationcontrollers': (o) => obj(o.spec)?.template ?? undefined,
  '/podtemplates': (o) => o.template ?? {},
  'apps/replicasets': fromSpec,
  'apps/deployments': fromSpec,
  'apps/statefulsets': fromSpec,
  'apps/daemonsets': fromSpec,
  'batch/jobs': fromSpec,
  'batch/cronjobs': (o) => obj(obj(obj(o.spec)?.jobTemplate)?.spec)?.template ?? {},
};

const PODS = { group: '', resource: 'pods' };

export class PodSecurityPlugin implements AdmissionPlugin {
  readonly name = 'PodSecurity';
  private readonly evaluator = new Evaluator();
  private readonly clock: Clock;

  constructor(
    private readonly deps: PodSecurityDeps,
    private readonly config: PodSecurityConfiguration = DEFAULT_CONFIGURATION,
    private readonly limits = { maxPods: NAMESPACE_MAX_PODS_TO_CHECK, timeoutMs: NAMESPACE_POD_CHECK_TIMEOUT_MS },
  ) {
    this.clock = deps.clock ?? realClock;
  }

  handles(op: Operation): boolean { return op === 'CREATE' || op === 'UPDATE'; }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    const gr = `${attrs.def.group}/${attrs.def.plural}`;
    if (gr === '/namespaces') return this.validateNamespace(attrs);
    if (gr === '/pods') return this.validatePod(attrs);
    const templateOf = POD_CONTROLLERS[gr];
    if (templateOf) return this.validatePodController(attrs, templateOf);
  }

  /**
   * namespace reads the request's namespace. One that is not there (an API server serving no
   * namespaces, or one deleted meanwhile) has no labels: the store's namespace check, which runs
   * first, is what refuses requests into missing namespaces.
   */
  private async namespace(name: string): Promise<KubeObject | undefined> {
    const store = this.deps.storeFor('', 'v1', 'namespaces');
    // Every pod create asks: the namespaces' watch cache answers without a storage read and a
    // decode when it can tell (as Kubernetes reads a namespace lister).
    const cached = store.watchCache?.current(`/registry/namespaces/${name}`);
    if (cached) return cached;
    try {
      return await store.get(undefined, name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    }
  }

  private policyOf(labels: unknown): ReturnType<typeof policyToEvaluate> {
    return policyToEvaluate(isObj(labels) ? labels as Record<string, string> : undefined, this.config.defaults);
  }

  private async validateNamespace(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.subresource !== '' || !attrs.object) return;
    const ns = attrs.object;
    const name = ns.metadata?.name ?? attrs.name;
    const { policy, errors } = this.policyOf(ns.metadata?.labels);
    if (attrs.operation === 'CREATE') {
      if (errors.length) throw invalid('Namespace', '', name, errors);
      if (this.exemptNamespace(name)) this.warn(attrs, this.exemptNamespaceWarning(name, policy, ns.metadata?.labels));
      return;
    }
    const old = this.policyOf(attrs.oldObject?.metadata?.labels);
    // Labels that were already wrong may stay as they were; a new mistake is refused.
    if (errors.length && (!old.errors.length || JSON.stringify(errors) !== JSON.stringify(old.errors))) {
      throw invalid('Namespace', '', name, errors);
    }
    const before = old.policy.enforce;
    const after = policy.enforce;
    // Nothing to dry-run: the same enforce policy, privileged, or a relaxed level at the same version.
    if (sameLevelVersion(after, before) || after.level === 'privileged') return;
    if (sameVersion(after.version, before.version) && compareLevels(after.level, before.level) < 1) return;
    if (this.exemptNamespace(name)) {
      this.warn(attrs, this.exemptNamespaceWarning(name, policy, ns.metadata?.labels));
      return;
    }
    for (const w of await this.evaluatePodsInNamespace(name, after)) this.warn(attrs, w);
  }

  private async validatePod(attrs: AdmissionAttributes): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(attrs.subresource) || !attrs.object) return;
    if (this.exempt(attrs)) return;
    let namespace: KubeObject | undefined;
    try {
      namespace = await this.namespace(attrs.namespace);
    } catch (e) {
      logger.error(e, 'failed to fetch pod namespace', { namespace: attrs.namespace });
      throw internalError(`failed to lookup namespace ${JSON.stringify(attrs.namespace)}`);
    }
    const { policy, errors } = this.policyOf(namespace?.metadata?.labels);
    if (!errors.length && fullyPrivileged(policy)) return;
    if (attrs.operation === 'UPDATE' && attrs.oldObject && !isSignificantPodUpdate(attrs.object, attrs.oldObject)) return;
    this.evaluatePod(attrs, policy, errors, podView(attrs.object.metadata, attrs.object.spec), true);
  }

  private async validatePodController(attrs: AdmissionAttributes, templateOf: TemplateOf): Promise<void> {
    if (attrs.subresource !== '' || !attrs.object) return;
    if (this.exempt(attrs)) return;
    let namespace: KubeObject | undefined;
    try {
      namespace = await this.namespace(attrs.namespace);
    } catch (e) {
      // Workload resources are never refused: the failure is only recorded.
      logger.error(e, 'failed to fetch pod namespace', { namespace: attrs.namespace });
      return;
    }
    const { policy, errors } = this.policyOf(namespace?.metadata?.labels);
    if (!errors.length && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const template = templateOf(attrs.object);
    if (template === undefined || template === null) return;
    const t = obj(template) ?? {};
    this.evaluatePod(attrs, policy, errors, podView(t.metadata, t.spec), false);
  }

  /**
   * evaluatePod holds a pod (or template) to the enforce level (pods only), records the audit
   * level's verdict and warns at the warn level, each level:version evaluated once.
   */
  private evaluatePod(attrs: AdmissionAttributes, policy: Policy, policyErrors: FieldError[], pod: PodView, enforce: boolean): void {
    if (this.exemptRuntimeClass(pod.spec.runtimeClassName)) return;
    const results: { lv: LevelVersion; result: AggregateResult }[] = [];
    const evaluate = (lv: LevelVersion): AggregateResult => {
      const seen = results.find((r) => sameLevelVersion(r.lv, lv));
      if (seen) return seen.result;
      const result = this.evaluator.evaluate(lv, pod);
      results.push({ lv, result });
      return result;
    };
    const audit: Record<string, string> = {};
    if (policyErrors.length) {
      const msgs = policyErrors.map(fieldErrorMessage);
      audit[`${AUDIT_ANNOTATION_PREFIX}error`] = `Failed to parse policy: ${msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`}`;
    }
    let refusal: StatusError | undefined;
    if (enforce) {
      audit[`${AUDIT_ANNOTATION_PREFIX}enforce-policy`] = levelVersionString(policy.enforce);
      const r = evaluate(policy.enforce);
      if (!r.allowed) refusal = forbidden(PODS, attrs.name, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(r)}`);
    }
    const auditResult = evaluate(policy.audit);
    if (!auditResult.allowed) {
      audit[`${AUDIT_ANNOTATION_PREFIX}audit-violations`] = `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(auditResult)}`;
      logger.info('PodSecurity audit', { resource: attrs.def.plural, namespace: attrs.namespace, name: attrs.name, ...audit });
    }
    if (refusal) throw refusal;
    const warnResult = evaluate(policy.warn);
    if (!warnResult.allowed) this.warn(attrs, `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(warnResult)}`);
  }

  /**
   * evaluatePodsInNamespace tries a namespace's pods against a new enforce level: one pod per
   * controller first, at most limits.maxPods and for limits.timeoutMs. Pods that fail for the same
   * reasons are one line, named by the first pod name in order.
   */
  async evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const deadline = this.clock.now().getTime() + this.limits.timeoutMs;
    let pods: KubeObject[];
    try {
      pods = (await this.deps.storeFor('', 'v1', 'pods').list(namespace, { resourceVersion: '0' })).items;
    } catch (e) {
      logger.error(e, 'failed to list pods', { namespace });
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    let prioritized = this.prioritizePods(pods);
    const total = prioritized.length;
    if (prioritized.length > this.limits.maxPods) prioritized = prioritized.slice(0, this.limits.maxPods);
    let checked = prioritized.length;
    const order: string[] = [];
    const byReason = new Map<string, { podName: string; count: number }>();
    for (let i = 0; i < prioritized.length; i++) {
      const pod = prioritized[i];
      const r = this.evaluator.evaluate(enforce, podView(pod.metadata, pod.spec));
      if (!r.allowed) {
        const reason = forbiddenReason(r);
        const podName = pod.metadata?.name ?? '';
        const c = byReason.get(reason);
        if (!c) {
          byReason.set(reason, { podName, count: 1 });
          order.push(reason);
        } else {
          if (podName < c.podName) c.podName = podName;
          c.count++;
        }
      }
      if (this.clock.now().getTime() > deadline) {
        checked = i + 1;
        break;
      }
    }
    const warnings: string[] = [];
    if (checked < total) warnings.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
    if (order.length) {
      warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
    }
    const podLines = order.map((reason) => {
      const { podName, count } = byReason.get(reason)!;
      if (count === 1) return `${podName}: ${reason}`;
      if (count === 2) return `${podName} (and 1 other pod): ${reason}`;
      return `${podName} (and ${count - 1} other pods): ${reason}`;
    });
    return [...warnings, ...podLines.sort(byteOrder)];
  }

  /** prioritizePods drops pods of exempt runtime classes and puts one pod per controller first. */
  private prioritizePods(pods: KubeObject[]): KubeObject[] {
    const first: KubeObject[] = [];
    const rest: KubeObject[] = [];
    const controllers = new Set<string>();
    for (const pod of pods) {
      if (this.exemptRuntimeClass(obj(pod.spec)?.runtimeClassName)) continue;
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
      if (!owner) { first.push(pod); continue; }
      if (controllers.has(owner.uid)) { rest.push(pod); continue; }
      controllers.add(owner.uid);
      first.push(pod);
    }
    return [...first, ...rest];
  }

  private exempt(attrs: AdmissionAttributes): boolean {
    return this.exemptNamespace(attrs.namespace) || (!!attrs.userInfo.name && this.config.exemptions.usernames.includes(attrs.userInfo.name));
  }

  private exemptNamespace(ns: string): boolean {
    return !!ns && this.config.exemptions.namespaces.includes(ns);
  }

  private exemptRuntimeClass(rc: unknown): boolean {
    return typeof rc === 'string' && rc !== '' && this.config.exemptions.runtimeClasses.includes(rc);
  }

  /** exemptNamespaceWarning: an exempt namespace that asks for a policy is told it will be ignored. */
  private exemptNamespaceWarning(ns: string, policy: Policy, labels: Record<string, string> | undefined): string {
    const d = this.config.defaults;
    if (fullyPrivileged(policy) || (equivalent(policy.enforce, d.enforce) && equivalent(policy.audit, d.audit) && equivalent(policy.warn, d.warn))) return '';
    const has = (k: string) => !!labels && Object.prototype.hasOwnProperty.call(labels, k);
    const parts: string[] = [];
    if (policy.enforce.level !== 'privileged' && (has(ENFORCE_LEVEL_LABEL) || has(ENFORCE_VERSION_LABEL))) parts.push(`enforce=${levelVersionString(policy.enforce)}`);
    if (policy.audit.level !== 'privileged' && (has(AUDIT_LEVEL_LABEL) || has(AUDIT_VERSION_LABEL))) parts.push(`audit=${levelVersionString(policy.audit)}`);
    if (policy.warn.level !== 'privileged' && (has(WARN_LEVEL_LABEL) || has(WARN_VERSION_LABEL))) parts.push(`warn=${levelVersionString(policy.warn)}`);
    return `namespace ${JSON.stringify(ns)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
  }

  /** warn adds a response warning once (a retried update runs admission again). */
  private warn(attrs: AdmissionAttributes, text: string): void {
    if (text && attrs.warnings && !attrs.warnings.includes(text)) attrs.warnings.push(text);
  }
}

/** podView reads metadata and spec as objects, whatever was sent. */
function podView(metadata: unknown, spec: unknown): PodView {
  return { metadata: obj(metadata) ?? {}, spec: obj(spec) ?? {} };
}

/**
 * isSignificantPodUpdate: only an update that changes a container's image, the number of
 * containers or init containers, or adds (or changes the image of) an ephemeral container is
 * evaluated — other pod updates cannot make a pod less secure.
 */
export function isSignificantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const image = (c: Obj | undefined) => str(c?.image);
  for (const field of ['containers', 'initContainers']) {
    const now = list(spec[field]);
    const before = list(oldSpec[field]);
    if (now.length !== before.length) return true;
    if (now.some((c, i) => image(c) !== image(before[i]))) return true;
  }
  const oldEphemeral = list(oldSpec.ephemeralContainers);
  for (const c of list(spec.ephemeralContainers)) {
    const was = oldEphemeral.find((o) => o.name === c.name);
    if (!was || image(c) !== image(was)) return true;
  }
  return false;
}
