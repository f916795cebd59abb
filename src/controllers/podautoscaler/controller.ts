import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../apimachinery/errors.js';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../../apimachinery/labels.js';
import { formatNanos, toMilli } from '../../apimachinery/quantity.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue, type RateLimiter } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log, type Logger } from '../../util/log.js';
import { runWorkers, type Controller, type SyncResult } from '../common/run-workers.js';
import { setCondition } from './conditions.js';
import { RestMetricsClient, type MetricsClient } from './metrics-client.js';
import { ScalingHistory, type BehaviorArgs } from './normalize.js';
import { ReplicaCalculator, type PodSelector } from './replica-calculator.js';
import { getScale, parseGroupVersion, ScaleTargetResolver, updateScale } from './scale-target.js';
import type { HPA, HPACondition, HPAScalingRules, HPAStatus, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus, Pod, Scale } from './types.js';

/** HPA_DEFAULTS are kube-controller-manager's --horizontal-pod-autoscaler-* defaults. */
export const HPA_DEFAULTS = {
  syncPeriodMs: 15_000,
  downscaleStabilizationMs: 5 * 60_000,
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  initialReadinessDelayMs: 30_000,
} as const;

/** HorizontalControllerOptions tune the controller (Kubernetes' defaults where unset) and let tests swap the metrics source. */
export interface HorizontalControllerOptions {
  /** --horizontal-pod-autoscaler-sync-period: how often each HPA is reconciled */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization: the scale-down window of HPAs without behavior's */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance: ratios this close to 1 change nothing */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay */
  initialReadinessDelayMs?: number;
  /** where pod metrics come from (metrics.k8s.io through the API by default) */
  metricsClient?: MetricsClient;
}

/** FixedIntervalRateLimiter makes every key wait the same interval (upstream's HPA rate limiter: one reconcile per sync period). */
export class FixedIntervalRateLimiter<T> implements RateLimiter<T> {
  constructor(private readonly intervalMs: number) {}
  when(): number { return this.intervalMs; }
  forget(): void {}
  numRequeues(): number { return 0; }
}

/** ComputedMetrics is computeReplicasForMetrics' answer: -1 replicas means nothing can be done. */
interface ComputedMetrics { replicas: number; metric: string; statuses: MetricStatus[] | null; error?: Error }

/** MetricProposal is one metric's answer, or its error with the condition to report. */
type MetricProposal = { replicas: number; metric: string; status: MetricStatus } | { error: Error; condition: Pick<HPACondition, 'type' | 'status' | 'reason' | 'message'> };

const ZERO_STATUS: MetricStatus = { type: '' };

/**
 * HorizontalController is kube-controller-manager's horizontal pod autoscaler: every sync period it
 * reconciles each HPA — reads its target's Scale, computes the replica count each metric asks for
 * from the resource metrics API (the highest wins), stabilizes and bounds it (min/max, scale rate,
 * behavior policies), writes the target's replicas, and records status, conditions and events.
 */
export class HorizontalController implements Controller {
  readonly name = 'horizontalpodautoscaling';
  /** the work queue: each key comes back one sync period after it was processed */
  readonly queue: WorkQueue<string>;
  readonly recorder: EventRecorder;
  /** recommendations and scale events per HPA, for stabilization and rate limits */
  readonly history = new ScalingHistory();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly informers: ControllerContext['informers'];
  private readonly hpaInformer: Informer<HPA>;
  private readonly podInformer: Informer<Pod>;
  private readonly replicaCalc: ReplicaCalculator;
  private readonly scaleTargets: ScaleTargetResolver;
  private readonly syncPeriodMs: number;
  private readonly downscaleStabilizationMs: number;
  /** every HPA's last known pod selector (undefined until first computed), to find pods two HPAs control */
  private readonly hpaSelectors = new Map<string, LabelSelector | undefined>();
  private readonly logger: Logger;

  constructor(ctx: ControllerContext, opts: HorizontalControllerOptions = {}) {
    const o = ctx.options;
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.informers = ctx.informers;
    this.logger = log.child({ component: 'horizontal-pod-autoscaler' });
    this.syncPeriodMs = opts.syncPeriodMs ?? o.horizontalPodAutoscalerSyncPeriodMs ?? HPA_DEFAULTS.syncPeriodMs;
    this.downscaleStabilizationMs = opts.downscaleStabilizationMs ?? o.horizontalPodAutoscalerDownscaleStabilizationMs ?? HPA_DEFAULTS.downscaleStabilizationMs;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'horizontalpodautoscaler', limiter: new FixedIntervalRateLimiter<string>(this.syncPeriodMs) });
    this.recorder = new EventRecorder(ctx.client, { component: 'horizontal-pod-autoscaler' }, ctx.clock);
    this.scaleTargets = new ScaleTargetResolver(ctx.client);
    this.hpaInformer = ctx.informers.informerFor<HPA>(Resources.horizontalpodautoscalers);
    this.hpaInformer.addEventHandler({
      add: (h) => this.enqueueHPA(h),
      update: (_o, h) => this.enqueueHPA(h),
      delete: (h) => this.deleteHPA(h),
    }, this.syncPeriodMs);
    this.podInformer = ctx.informers.informerFor<Pod>(Resources.pods);
    this.replicaCalc = new ReplicaCalculator({
      metricsClient: opts.metricsClient ?? new RestMetricsClient(ctx.client),
      listPods: (ns, sel) => this.podInformer.lister.list(ns, (p) => matchesLabels(sel, p.metadata?.labels)),
      tolerance: opts.tolerance ?? o.horizontalPodAutoscalerTolerance ?? HPA_DEFAULTS.tolerance,
      cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs ?? o.horizontalPodAutoscalerCPUInitializationPeriodMs ?? HPA_DEFAULTS.cpuInitializationPeriodMs,
      delayOfInitialReadinessStatusMs: opts.initialReadinessDelayMs ?? o.horizontalPodAutoscalerInitialReadinessDelayMs ?? HPA_DEFAULTS.initialReadinessDelayMs,
      clock: ctx.clock,
    });
  }

  /** run reconciles HPAs with `workers` workers once the caches are filled, until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting HPA controller');
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      sync: (key) => this.reconcileKey(key),
      waitForSync: (s) => this.informers.waitForCacheSync(s),
    });
    this.logger.info('Shutting down HPA controller');
  }

  // ---- event handlers ----

  /** enqueueHPA schedules a reconcile one sync period from now (an earlier one already scheduled wins), and registers the HPA's selector. */
  private enqueueHPA(hpa: Readonly<HPA>): void {
    const key = keyOf(hpa);
    this.queue.addRateLimited(key);
    if (!this.hpaSelectors.has(key)) this.hpaSelectors.set(key, undefined);
  }

  private deleteHPA(hpa: Readonly<HPA>): void {
    const key = keyOf(hpa);
    this.queue.forget(key);
    this.hpaSelectors.delete(key);
  }

  // ---- reconcile ----

  /** reconcileKey reconciles one HPA; a deleted one is forgotten and not requeued. */
  async reconcileKey(key: string): Promise<void | SyncResult> {
    const { namespace, name } = splitKey(key);
    const hpa = this.hpaInformer.lister.get(namespace, name);
    if (!hpa) {
      this.logger.info('Horizontal Pod Autoscaler has been deleted', { HPA: key });
      this.history.forget(key);
      return;
    }
    try {
      await this.reconcileAutoscaler(hpa, key);
    } catch (e) {
      // Every outcome, failed or not, is looked at again one sync period later.
      this.logger.error(e, 'Error reconciling HPA', { HPA: key });
    }
    return { requeueAfterMs: this.syncPeriodMs };
  }

  /** reconcileAutoscaler is upstream's reconcileAutoscaler for one HPA (a copy of the cached one). */
  async reconcileAutoscaler(shared: Readonly<HPA>, key: string): Promise<void> {
    const hpa = structuredClone(shared) as HPA;
    hpa.apiVersion = 'autoscaling/v2';
    hpa.kind = 'HorizontalPodAutoscaler';
    hpa.status ??= { desiredReplicas: 0 };
    const original = structuredClone(hpa.status);
    const ns = hpa.metadata?.namespace ?? '';
    const ref = hpa.spec.scaleTargetRef;
    const reference = `${ref.kind}/${ns}/${ref.name}`;
    const now = () => this.clock.now();

    const failGetScale = async (err: Error, wrap: string): Promise<never> => {
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', err.message);
      this.setCondition(hpa, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${err.message}`);
      await this.updateStatusIfNeeded(original, hpa).catch((e) => this.logger.error(e, 'Failed to update HPA status', { HPA: key }));
      throw new Error(`${wrap}: ${err.message}`);
    };
    try {
      parseGroupVersion(ref.apiVersion);
    } catch (e) {
      return failGetScale(e as Error, 'invalid API version in scale target reference');
    }
    let targetResource;
    try {
      targetResource = await this.scaleTargets.resolve(ref.apiVersion, ref.kind);
    } catch (e) {
      return failGetScale(e as Error, 'unable to determine resource for scale target reference');
    }
    let scale: Scale;
    try {
      scale = await getScale(this.client, targetResource, ns, ref.name);
    } catch (e) {
      return failGetScale(e as Error, `failed to query scale subresource for ${reference}`);
    }
    this.setCondition(hpa, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = scale.spec?.replicas ?? 0;
    this.history.recordInitialRecommendation(key, currentReplicas, now().getTime());

    let metricStatuses: MetricStatus[] | null = null;
    let desiredReplicas = 0;
    let rescaleReason = '';
    const minReplicas = hpa.spec.minReplicas ?? 1;
    let rescale = true;
    let retErr: Error | undefined;

    if (currentReplicas === 0 && minReplicas !== 0) {
      // Autoscaling is off while the target is scaled to zero.
      desiredReplicas = 0;
      rescale = false;
      this.setCondition(hpa, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (currentReplicas > hpa.spec.maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = hpa.spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, scale, hpa.spec.metrics ?? []);
      metricStatuses = computed.statuses;
      if (computed.error && computed.replicas === -1) {
        this.setStatus(hpa, currentReplicas, hpa.status.desiredReplicas, metricStatuses, false);
        await this.updateStatusIfNeeded(original, hpa).catch((e) => this.logger.error(e, 'Failed to update HPA status', { HPA: key }));
        this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error.message);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${computed.error.message}`);
      }
      // Some metrics failed but the others ask for more: scale on those, report the failure after.
      if (computed.error) retErr = computed.error;
      this.logger.v(4).info('Proposing desired replicas', { desiredReplicas: computed.replicas, metric: computed.metric, scaleTarget: reference });
      let rescaleMetric = '';
      if (computed.replicas > desiredReplicas) {
        desiredReplicas = computed.replicas;
        rescaleMetric = computed.metric;
      }
      if (desiredReplicas > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      desiredReplicas = hpa.spec.behavior
        ? this.normalizeDesiredReplicasWithBehaviors(hpa, key, currentReplicas, desiredReplicas, minReplicas)
        : this.normalizeDesiredReplicas(hpa, key, currentReplicas, desiredReplicas, minReplicas);
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await updateScale(this.client, targetResource, ns, scale, desiredReplicas);
      } catch (e) {
        const msg = (e as Error).message;
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${msg}`);
        this.setCondition(hpa, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`);
        this.setStatus(hpa, currentReplicas, hpa.status.desiredReplicas, metricStatuses, false);
        await this.updateStatusIfNeeded(original, hpa).catch((err) => this.logger.error(err, 'Failed to update HPA status', { HPA: key }));
        throw new Error(`failed to rescale ${reference}: ${msg}`);
      }
      this.setCondition(hpa, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      this.history.storeScaleEvent(key, hpa.spec.behavior, currentReplicas, desiredReplicas, now().getTime());
      this.logger.info('Successfully rescaled', { HPA: key, currentReplicas, desiredReplicas, reason: rescaleReason });
    } else {
      this.logger.v(4).info('Decided not to scale', { scaleTarget: reference, desiredReplicas, lastScaleTime: hpa.status.lastScaleTime });
      desiredReplicas = currentReplicas;
    }
    this.setStatus(hpa, currentReplicas, desiredReplicas, metricStatuses, rescale);
    await this.updateStatusIfNeeded(original, hpa);
    if (retErr) throw retErr;
  }

  /**
   * computeReplicasForMetrics asks every metric for a replica count and takes the highest. When all
   * metrics fail, or some fail and the rest would scale down, it gives -1 (do nothing) and the first error.
   */
  private async computeReplicasForMetrics(hpa: HPA, scale: Scale, specs: MetricSpec[]): Promise<ComputedMetrics> {
    let selector: PodSelector;
    try {
      selector = this.validateAndParseSelector(hpa, scale.status?.selector ?? '');
    } catch (e) {
      return { replicas: -1, metric: '', statuses: null, error: e as Error };
    }
    const specReplicas = scale.spec?.replicas ?? 0;
    const statuses: MetricStatus[] = specs.map(() => ({ ...ZERO_STATUS }));
    let replicas = 0;
    let metric = '';
    let invalidCount = 0;
    let firstError: Error | undefined;
    let firstCondition: Pick<HPACondition, 'type' | 'status' | 'reason' | 'message'> | undefined;
    for (const [i, spec] of specs.entries()) {
      const p = await this.computeReplicasForMetric(hpa, spec, specReplicas, selector);
      if ('error' in p) {
        if (invalidCount === 0) { firstError = p.error; firstCondition = p.condition; }
        invalidCount++;
        continue;
      }
      statuses[i] = p.status;
      if (replicas === 0 || p.replicas > replicas) {
        replicas = p.replicas;
        metric = p.metric;
      }
    }
    const error = firstError ? new Error(`invalid metrics (${invalidCount} invalid out of ${specs.length}), first error is: ${firstError.message}`) : undefined;
    // Nothing measured at all leaves no current metrics (as Kubernetes' status shows: currentMetrics: null).
    const reported = statuses.some((s) => s.type !== '') ? statuses : null;
    if (invalidCount >= specs.length || (invalidCount > 0 && replicas < specReplicas)) {
      if (firstCondition) this.setCondition(hpa, firstCondition.type, firstCondition.status, firstCondition.reason ?? '', firstCondition.message ?? '');
      return { replicas: -1, metric: '', statuses: reported, error: error ?? new Error('no metrics to compute a replica count from') };
    }
    this.setCondition(hpa, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`);
    return { replicas, metric, statuses: reported, error };
  }

  /**
   * validateAndParseSelector checks the target's selector: present, parsable, and not shared with
   * another HPA's pods (each failure sets ScalingActive False and records an event).
   */
  private validateAndParseSelector(hpa: HPA, selector: string): PodSelector {
    if (selector === '') {
      this.recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      this.setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      throw new Error('selector is required');
    }
    let parsed: LabelSelector;
    try {
      parsed = parseLabelSelector(selector);
    } catch (e) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`;
      this.recorder.event(hpa, 'Warning', 'InvalidSelector', msg);
      this.setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', msg);
      throw new Error(msg);
    }
    const key = keyOf(hpa);
    if (this.hpaSelectors.has(key)) this.hpaSelectors.set(key, parsed);
    const ns = hpa.metadata?.namespace ?? '';
    const pods = this.podInformer.lister.list(ns, (p) => matchesLabels(parsed, p.metadata?.labels));
    const selecting = new Set<string>();
    for (const [other, sel] of this.hpaSelectors) {
      if (!sel || splitKey(other).namespace !== ns) continue;
      if (pods.some((p) => matchesLabels(sel, p.metadata?.labels))) selecting.add(other);
    }
    if (selecting.size > 1) {
      const msg = `pods by selector ${selector} are controlled by multiple HPAs: [${[...selecting].sort().join(' ')}]`;
      this.recorder.event(hpa, 'Warning', 'AmbiguousSelector', msg);
      this.setCondition(hpa, 'ScalingActive', 'False', 'AmbiguousSelector', msg);
      throw new Error(msg);
    }
    return { text: selector, parsed };
  }

  /** computeReplicasForMetric computes one metric's proposal, or its error and the ScalingActive condition it explains. */
  private async computeReplicasForMetric(hpa: HPA, spec: MetricSpec, specReplicas: number, selector: PodSelector): Promise<MetricProposal> {
    const ns = hpa.metadata?.namespace ?? '';
    const unable = (reason: string, err: Error, wrapped: string): MetricProposal => {
      this.recorder.event(hpa, 'Warning', reason, err.message);
      return { error: new Error(wrapped), condition: { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${err.message}` } };
    };
    switch (spec.type) {
      case 'Resource': {
        const r = spec.resource!;
        try {
          const { replicas, metric, current } = await this.computeStatusForResourceMetricGeneric(specReplicas, r.target, r.name, ns, '', selector, 'Resource');
          return { replicas, metric, status: { type: 'Resource', resource: { name: r.name, current } } };
        } catch (e) {
          return unable('FailedGetResourceMetric', e as Error, `failed to get ${r.name} resource metric value: ${(e as Error).message}`);
        }
      }
      case 'ContainerResource': {
        const r = spec.containerResource!;
        try {
          const { replicas, metric, current } = await this.computeStatusForResourceMetricGeneric(specReplicas, r.target, r.name, ns, r.container, selector, 'ContainerResource');
          return { replicas, metric, status: { type: 'ContainerResource', containerResource: { name: r.name, container: r.container, current } } };
        } catch (e) {
          return unable('FailedGetContainerResourceMetric', e as Error, `failed to get ${r.container} container metric value: ${(e as Error).message}`);
        }
      }
      // tskube serves no custom or external metrics API: these metrics fail as they do in a cluster without an adapter.
      case 'Pods': {
        const err = new Error(`unable to get metric ${spec.pods?.metric?.name ?? ''}: unable to fetch metrics from custom metrics API: the server could not find the requested resource`);
        return unable('FailedGetPodsMetric', err, `failed to get pods metric value: ${err.message}`);
      }
      case 'Object': {
        const o = spec.object;
        const err = new Error(`unable to get metric ${o?.metric?.name ?? ''}: ${o?.describedObject?.kind ?? ''} on ${ns} ${o?.describedObject?.name ?? ''}/unable to fetch metrics from custom metrics API: the server could not find the requested resource`);
        return unable('FailedGetObjectMetric', err, `failed to get object metric value: ${err.message}`);
      }
      case 'External': {
        const name = spec.external?.metric?.name ?? '';
        const err = new Error(`unable to get external metric ${ns}/${name}/nil: unable to fetch metrics from external metrics API: the server could not find the requested resource`);
        return unable('FailedGetExternalMetric', err, `failed to get ${name} external metric value: ${err.message}`);
      }
      default: {
        const err = new Error(`unknown metric source type "${spec.type}"`);
        return unable('InvalidMetricSourceType', err, err.message);
      }
    }
  }

  /** computeStatusForResourceMetricGeneric serves Resource and ContainerResource metrics: AverageValue, else Utilization. */
  private async computeStatusForResourceMetricGeneric(currentReplicas: number, target: MetricTarget, resource: string, ns: string, container: string, selector: PodSelector, sourceType: 'Resource' | 'ContainerResource'): Promise<{ replicas: number; metric: string; current: MetricValueStatus }> {
    if (target.averageValue !== undefined && target.averageValue !== null) {
      let r;
      try {
        r = await this.replicaCalc.getRawResourceReplicas(currentReplicas, toMilli(target.averageValue), resource, ns, selector, container);
      } catch (e) {
        throw new Error(`failed to get ${resource} usage: ${(e as Error).message}`);
      }
      return { replicas: r.replicaCount, metric: `${resource} resource`, current: { averageValue: milliQuantity(r.usage) } };
    }
    if (target.averageUtilization === undefined || target.averageUtilization === null) {
      throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    }
    let r;
    try {
      r = await this.replicaCalc.getResourceReplicas(currentReplicas, target.averageUtilization, resource, ns, selector, container);
    } catch (e) {
      throw new Error(`failed to get ${resource} utilization: ${(e as Error).message}`);
    }
    const metric = sourceType === 'ContainerResource' ? `${resource} container resource utilization (percentage of request)` : `${resource} resource utilization (percentage of request)`;
    return { replicas: r.replicaCount, metric, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawUtilization) } };
  }

  // ---- normalization ----

  /** normalizeDesiredReplicas: the downscale-stabilized recommendation within min, max and the default rate. */
  private normalizeDesiredReplicas(hpa: HPA, key: string, currentReplicas: number, desired: number, minReplicas: number): number {
    const n = this.history.normalizeDesiredReplicas(key, currentReplicas, desired, minReplicas, hpa.spec.maxReplicas, this.downscaleStabilizationMs, this.clock.now().getTime());
    this.setCondition(hpa, 'AbleToScale', 'True', n.ableToScale.reason, n.ableToScale.message);
    this.setCondition(hpa, 'ScalingLimited', n.limited.status, n.limited.reason, n.limited.message);
    return n.replicas;
  }

  /** normalizeDesiredReplicasWithBehaviors: behavior's stabilization windows and policies within min and max. */
  private normalizeDesiredReplicasWithBehaviors(hpa: HPA, key: string, currentReplicas: number, desired: number, minReplicas: number): number {
    const b = hpa.spec.behavior!;
    // An unset scale-down window is the controller's --horizontal-pod-autoscaler-downscale-stabilization.
    const scaleDown: HPAScalingRules = { ...b.scaleDown, stabilizationWindowSeconds: b.scaleDown?.stabilizationWindowSeconds ?? Math.trunc(this.downscaleStabilizationMs / 1000) };
    const args: BehaviorArgs = {
      scaleUp: b.scaleUp ?? { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown, minReplicas, maxReplicas: hpa.spec.maxReplicas, currentReplicas, desiredReplicas: desired,
    };
    const n = this.history.normalizeDesiredReplicasWithBehaviors(key, args, this.clock.now().getTime());
    this.setCondition(hpa, 'AbleToScale', 'True', n.ableToScale.reason, n.ableToScale.message);
    this.setCondition(hpa, 'ScalingLimited', n.limited.status, n.limited.reason, n.limited.message);
    return n.replicas;
  }

  // ---- status ----

  private setCondition(hpa: HPA, type: HPACondition['type'], status: HPACondition['status'], reason: string, message: string): void {
    hpa.status!.conditions = setCondition(hpa.status!.conditions, type, status, reason, message, this.clock.now());
  }

  /** setStatus rebuilds the status: replicas, current metrics, conditions, and lastScaleTime on a rescale. */
  private setStatus(hpa: HPA, currentReplicas: number, desiredReplicas: number, metrics: MetricStatus[] | null, rescale: boolean): void {
    const prev = hpa.status!;
    const status: HPAStatus = {
      ...(prev.lastScaleTime ? { lastScaleTime: prev.lastScaleTime } : {}),
      currentReplicas, desiredReplicas, currentMetrics: metrics,
      ...(prev.conditions ? { conditions: prev.conditions } : {}),
    };
    if (rescale) status.lastScaleTime = rfc3339(this.clock.now());
    hpa.status = status;
  }

  /** updateStatusIfNeeded writes the status only if it changed. */
  private async updateStatusIfNeeded(old: HPAStatus, hpa: HPA): Promise<void> {
    if (isDeepStrictEqual(old, hpa.status)) return;
    try {
      await this.client.updateStatus(Resources.horizontalpodautoscalers, hpa.metadata?.namespace, hpa);
    } catch (e) {
      this.recorder.event(hpa, 'Warning', 'FailedUpdateStatus', (e as Error).message);
      throw new Error(`failed to update status for ${hpa.metadata?.name}: ${(e as Error).message}`, { cause: e instanceof StatusError ? e : undefined });
    }
    this.logger.v(2).info('Successfully updated status', { HPA: keyOf(hpa) });
  }
}

/** milliQuantity writes a milli-value as resource.NewMilliQuantity(v, DecimalSI).String() does ("500m", "2", "5251072"). */
export function milliQuantity(milli: number): string {
  return formatNanos(BigInt(Math.trunc(milli)) * 1_000_000n, 'DecimalSI');
}
