/**
 * Defaults of KubeSchedulerConfiguration v1 (apis/config/v1/default_plugins.go and defaults.go):
 * the default plugin set in Kubernetes' order with its Score weights, merged with a profile's own
 * plugins, and each plugin's default args.
 */
import { Names } from '../plugins/names.js';
import { EXTENSION_POINTS, type KubeSchedulerConfiguration, type KubeSchedulerProfile, type PluginConfig, type PluginRef, type Plugins, type PluginSet } from './types.js';

/** DEFAULT_SCHEDULER_NAME is the profile pods get when spec.schedulerName is empty. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * defaultPlugins is Kubernetes 1.32's default multiPoint set. Order matters: Filter plugins run in
 * it (the first rejection is the node's reason); weights: TaintToleration 3, NodeAffinity 2,
 * PodTopologySpread 2, InterPodAffinity 2, the rest 1.
 */
export function defaultPlugins(): Plugins {
  return {
    multiPoint: {
      enabled: [
        { name: Names.SchedulingGates },
        { name: Names.PrioritySort },
        { name: Names.NodeUnschedulable },
        { name: Names.NodeName },
        { name: Names.TaintToleration, weight: 3 },
        { name: Names.NodeAffinity, weight: 2 },
        { name: Names.NodePorts },
        { name: Names.NodeResourcesFit, weight: 1 },
        { name: Names.VolumeBinding },
        { name: Names.PodTopologySpread, weight: 2 },
        { name: Names.InterPodAffinity, weight: 2 },
        { name: Names.DefaultPreemption },
        { name: Names.NodeResourcesBalancedAllocation, weight: 1 },
        { name: Names.ImageLocality, weight: 1 },
        { name: Names.DefaultBinder },
      ],
    },
  };
}

/** DEFAULT_PLUGIN_ARGS are the args each configurable plugin gets by default. */
export function defaultPluginArgs(): Record<string, Record<string, unknown>> {
  const resources = [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];
  return {
    [Names.DefaultPreemption]: { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 },
    [Names.InterPodAffinity]: { hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false },
    [Names.NodeAffinity]: {},
    [Names.NodeResourcesBalancedAllocation]: { resources },
    [Names.NodeResourcesFit]: { scoringStrategy: { type: 'LeastAllocated', resources } },
    [Names.PodTopologySpread]: { defaultingType: 'System' },
    [Names.VolumeBinding]: { bindTimeoutSeconds: 600 },
  };
}

/**
 * mergePluginSet is upstream's: custom disabled plugins (or "*") drop defaults, a default enabled
 * again in custom is replaced in place (keeping the default order), other custom plugins follow.
 */
export function mergePluginSet(defaults: PluginSet, custom: PluginSet): PluginSet {
  const disabledNames = new Set<string>();
  const disabled: PluginRef[] = [];
  for (const p of [...(custom.disabled ?? []), ...(defaults.disabled ?? [])]) {
    disabled.push({ name: p.name });
    disabledNames.add(p.name);
  }
  const customEnabled = new Map<string, number>();
  (custom.enabled ?? []).forEach((p, i) => customEnabled.set(p.name, i));
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabledNames.has('*')) {
    for (const p of defaults.enabled ?? []) {
      if (disabledNames.has(p.name)) continue;
      const ci = customEnabled.get(p.name);
      if (ci !== undefined) {
        enabled.push(custom.enabled![ci]);
        replaced.add(ci);
      } else enabled.push(p);
    }
  }
  (custom.enabled ?? []).forEach((p, i) => { if (!replaced.has(i)) enabled.push(p); });
  return { enabled, disabled };
}

/** mergePlugins merges a profile's plugins into the defaults, point by point. */
export function mergePlugins(defaults: Plugins, custom: Plugins | undefined): Plugins {
  if (!custom) return defaults;
  const out: Plugins = {};
  for (const point of ['multiPoint', ...EXTENSION_POINTS] as const) {
    const merged = mergePluginSet(defaults[point] ?? {}, custom[point] ?? {});
    if (merged.enabled?.length || merged.disabled?.length) out[point] = merged;
  }
  return out;
}

/** defaultProfile fills a profile: plugins merged with the defaults, args defaulted for every plugin that has args. */
export function defaultProfile(p: Partial<KubeSchedulerProfile>): KubeSchedulerProfile {
  const plugins = mergePlugins(defaultPlugins(), p.plugins);
  const defaults = defaultPluginArgs();
  const enabled = new Set<string>();
  for (const set of Object.values(plugins)) for (const r of set?.enabled ?? []) enabled.add(r.name);
  const given = new Map((p.pluginConfig ?? []).map((c) => [c.name, c.args ?? {}]));
  const pluginConfig: PluginConfig[] = [];
  for (const c of p.pluginConfig ?? []) pluginConfig.push({ name: c.name, args: { ...(defaults[c.name] ?? {}), ...(c.args ?? {}) } });
  for (const name of Object.keys(defaults)) if (enabled.has(name) && !given.has(name)) pluginConfig.push({ name, args: defaults[name] });
  return {
    schedulerName: p.schedulerName || DEFAULT_SCHEDULER_NAME,
    ...(p.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: p.percentageOfNodesToScore } : {}),
    plugins,
    pluginConfig,
  };
}

/** defaultConfiguration is the configuration kube-scheduler runs without --config. */
export function defaultConfiguration(): KubeSchedulerConfiguration {
  return {
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    percentageOfNodesToScore: 0,
    podInitialBackoffSeconds: 1,
    podMaxBackoffSeconds: 10,
    profiles: [defaultProfile({})],
  };
}
