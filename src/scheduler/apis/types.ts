/**
 * KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) as tskube reads it: profiles, each
 * with its plugins per extension point (multiPoint expands to every point a plugin implements),
 * score weights, and plugin args.
 */

/** PluginRef enables or disables one plugin; weight applies to Score. */
export interface PluginRef { name: string; weight?: number }

/** PluginSet lists the plugins enabled and disabled at one extension point ("*" disables all defaults). */
export interface PluginSet { enabled?: PluginRef[]; disabled?: PluginRef[] }

/** EXTENSION_POINTS are the fields of Plugins other than multiPoint, in upstream's order. */
export const EXTENSION_POINTS = ['preEnqueue', 'queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind', 'postBind'] as const;

/** ExtensionPointName is one of EXTENSION_POINTS. */
export type ExtensionPointName = (typeof EXTENSION_POINTS)[number];

/** Plugins is a profile's plugin configuration. */
export type Plugins = { [K in ExtensionPointName | 'multiPoint']?: PluginSet };

/** PluginConfig is the args of one plugin. */
export interface PluginConfig { name: string; args?: Record<string, unknown> }

/** KubeSchedulerProfile is one scheduler name with its plugins. */
export interface KubeSchedulerProfile {
  schedulerName: string;
  /** overrides the global percentageOfNodesToScore for this profile */
  percentageOfNodesToScore?: number;
  plugins: Plugins;
  pluginConfig: PluginConfig[];
}

/** KubeSchedulerConfiguration is the scheduler's configuration, defaulted. */
export interface KubeSchedulerConfiguration {
  apiVersion: 'kubescheduler.config.k8s.io/v1';
  kind: 'KubeSchedulerConfiguration';
  /** 0 = adaptive (50% − nodes/125, at least 5%, at least 100 nodes) */
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  profiles: KubeSchedulerProfile[];
}
