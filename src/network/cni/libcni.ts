import { parseResult } from './result.js';
import type { PluginExec } from './exec.js';
import { CNIError, type NetConf, type NetConfList, type Result, type RuntimeConf } from './types.js';

/** AddResult is an ADD's outcome: the parsed result, and the raw JSON to hand back as prevResult on CHECK/DEL. */
export interface AddResult { result: Result; raw: object }

/**
 * CNIConfig drives network configuration lists through the exec protocol as libcni does:
 * ADD runs the plugins in order, each given the previous plugin's result as `prevResult`;
 * CHECK runs them in order and DEL in reverse, each given the cached ADD result (spec ≥ 0.4.0).
 * Plugins that declare a capability receive the runtime's value for it under `runtimeConfig`.
 */
export class CNIConfig {
  constructor(private readonly exec: PluginExec) {}

  /** addNetworkList attaches the container to the network; the last plugin's result is the network's. */
  async addNetworkList(list: NetConfList, rt: RuntimeConf, signal?: AbortSignal): Promise<AddResult> {
    let prev: object | undefined;
    for (const plugin of list.plugins) {
      const out = await this.exec.run(plugin.type, {
        command: 'ADD', containerId: rt.containerId, netns: rt.netns, ifName: rt.ifName, args: cniArgs(rt),
        stdin: buildOneConfig(list, plugin, prev, rt), signal,
      });
      prev = JSON.parse(out || '{}') as object;
    }
    if (!prev) throw new CNIError(list.name, 'ADD', 0, 'network configuration list has no plugins');
    return { result: parseResult(prev), raw: prev };
  }

  /** checkNetworkList asks every plugin whether the attachment is still as ADD left it (spec ≥ 0.4.0). */
  async checkNetworkList(list: NetConfList, rt: RuntimeConf, cached: object | undefined, signal?: AbortSignal): Promise<void> {
    if (!supportsCheck(list.cniVersion)) throw new CNIError(list.name, 'CHECK', 0, `configuration version "${list.cniVersion}" does not support the CHECK command`);
    if (list.disableCheck) return;
    if (!cached) throw new CNIError(list.name, 'CHECK', 0, 'no cached result to check against');
    for (const plugin of list.plugins) {
      await this.exec.run(plugin.type, {
        command: 'CHECK', containerId: rt.containerId, netns: rt.netns, ifName: rt.ifName, args: cniArgs(rt),
        stdin: buildOneConfig(list, plugin, cached, rt), signal,
      });
    }
  }

  /** delNetworkList detaches the container, plugins in reverse order; every plugin runs even if one fails (the first error is thrown). */
  async delNetworkList(list: NetConfList, rt: RuntimeConf, cached: object | undefined, signal?: AbortSignal): Promise<void> {
    const prev = supportsCheck(list.cniVersion) ? cached : undefined;
    let first: unknown;
    for (const plugin of [...list.plugins].reverse()) {
      try {
        await this.exec.run(plugin.type, {
          command: 'DEL', containerId: rt.containerId, netns: rt.netns, ifName: rt.ifName, args: cniArgs(rt),
          stdin: buildOneConfig(list, plugin, prev, rt), signal,
        });
      } catch (e) {
        first ??= e;
      }
    }
    if (first) throw first;
  }
}

/** buildOneConfig is the stdin of one plugin of a list: its own keys plus name, cniVersion, prevResult and runtimeConfig. */
export function buildOneConfig(list: NetConfList, plugin: NetConf, prevResult: object | undefined, rt: RuntimeConf): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prevResult) conf.prevResult = prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    if (on && rt.capabilityArgs?.[cap] !== undefined) runtimeConfig[cap] = rt.capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
  return conf;
}

/** cniArgs joins CNI_ARGS as K=V pairs separated by semicolons. */
export function cniArgs(rt: RuntimeConf): string {
  return (rt.args ?? []).map(([k, v]) => `${k}=${v}`).join(';');
}

/** supportsCheck: CHECK and prevResult on DEL exist from spec 0.4.0 on. */
function supportsCheck(version: string): boolean {
  const [maj, min] = version.split('.').map(Number);
  return maj > 0 || (maj === 0 && min >= 4);
}
