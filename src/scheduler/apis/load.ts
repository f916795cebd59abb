/**
 * loadConfigFile reads a KubeSchedulerConfiguration (YAML or JSON) as kube-scheduler --config
 * does: kubescheduler.config.k8s.io/v1 only, defaulted, validated; errors say what is wrong.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { newInTreeRegistry } from '../plugins/registry.js';
import { DEFAULT_SCHEDULER_NAME, defaultProfile } from './defaults.js';
import { EXTENSION_POINTS, type KubeSchedulerConfiguration, type KubeSchedulerProfile } from './types.js';

const GROUP = 'kubescheduler.config.k8s.io';

/** ConfigError is an invalid scheduler configuration. */
export class ConfigError extends Error {}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** parseConfig defaults and validates a decoded configuration document. */
export function parseConfig(doc: unknown): KubeSchedulerConfiguration {
  if (!isObj(doc)) throw new ConfigError("couldn't decode as KubeSchedulerConfiguration: the document is not an object");
  const apiVersion = String(doc.apiVersion ?? '');
  const kind = String(doc.kind ?? '');
  if (!apiVersion || !kind) throw new ConfigError(`Object 'Kind' is missing in '${JSON.stringify(doc)}'`);
  if (kind !== 'KubeSchedulerConfiguration' || apiVersion !== `${GROUP}/v1`) {
    throw new ConfigError(`no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/scheduler/apis/config/scheme/scheme.go:30"`);
  }
  const errs: string[] = [];
  const num = (field: string, def: number): number => {
    const v = doc[field];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v)) { errs.push(`${field}: Invalid value: ${JSON.stringify(v)}: must be an integer`); return def; }
    return v;
  };
  const pct = num('percentageOfNodesToScore', 0);
  if (pct < 0 || pct > 100) errs.push(`percentageOfNodesToScore: Invalid value: ${pct}: not in valid range [0-100]`);
  const initial = num('podInitialBackoffSeconds', 1);
  if (initial <= 0) errs.push(`podInitialBackoffSeconds: Invalid value: ${initial}: must be greater than 0`);
  const max = num('podMaxBackoffSeconds', 10);
  if (max < initial) errs.push(`podMaxBackoffSeconds: Invalid value: ${max}: must be greater than or equal to PodInitialBackoffSeconds`);
  const rawProfiles = Array.isArray(doc.profiles) && doc.profiles.length ? doc.profiles : [{}];
  const profiles: KubeSchedulerProfile[] = [];
  const names = new Set<string>();
  const registry = newInTreeRegistry();
  rawProfiles.forEach((rp, i) => {
    if (!isObj(rp)) { errs.push(`profiles[${i}]: Invalid value: must be an object`); return; }
    const p = defaultProfile({
      schedulerName: typeof rp.schedulerName === 'string' ? rp.schedulerName : rawProfiles.length === 1 ? DEFAULT_SCHEDULER_NAME : '',
      percentageOfNodesToScore: typeof rp.percentageOfNodesToScore === 'number' ? rp.percentageOfNodesToScore : undefined,
      plugins: isObj(rp.plugins) ? rp.plugins as KubeSchedulerProfile['plugins'] : undefined,
      pluginConfig: Array.isArray(rp.pluginConfig) ? rp.pluginConfig as KubeSchedulerProfile['pluginConfig'] : [],
    });
    if (typeof rp.schedulerName !== 'string' && rawProfiles.length > 1) errs.push(`profiles[${i}].schedulerName: Required value`);
    else if (names.has(p.schedulerName)) errs.push(`profiles[${i}].schedulerName: Duplicate value: "${p.schedulerName}"`);
    names.add(p.schedulerName);
    if (p.percentageOfNodesToScore !== undefined && (p.percentageOfNodesToScore < 0 || p.percentageOfNodesToScore > 100)) {
      errs.push(`profiles[${i}].percentageOfNodesToScore: Invalid value: ${p.percentageOfNodesToScore}: not in valid range [0-100]`);
    }
    for (const point of ['multiPoint', ...EXTENSION_POINTS] as const) {
      for (const ref of p.plugins[point]?.enabled ?? []) {
        if (!registry.has(ref.name)) errs.push(`profiles[${i}].plugins.${point}.enabled: Invalid value: "${ref.name}": plugin does not exist`);
        if (ref.weight !== undefined && (!Number.isInteger(ref.weight) || ref.weight < 0)) errs.push(`profiles[${i}].plugins.${point}.enabled[${ref.name}].weight: Invalid value: ${ref.weight}: must be a non-negative integer`);
      }
    }
    for (const c of p.pluginConfig) if (!registry.has(c.name)) errs.push(`profiles[${i}].pluginConfig[${c.name}]: Invalid value: "${c.name}": plugin does not exist`);
    profiles.push(p);
  });
  if (errs.length) throw new ConfigError(errs.join(', '));
  return { apiVersion: `${GROUP}/v1`, kind: 'KubeSchedulerConfiguration', percentageOfNodesToScore: pct, podInitialBackoffSeconds: initial, podMaxBackoffSeconds: max, profiles };
}

/** loadConfigFile reads, defaults and validates a configuration file. */
export function loadConfigFile(path: string): KubeSchedulerConfiguration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`failed to read config file "${path}": ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ConfigError(`couldn't decode as KubeSchedulerConfiguration: ${(e as Error).message}`);
  }
  return parseConfig(doc);
}
