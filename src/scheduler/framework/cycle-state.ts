/**
 * CycleState is the scratch space of one scheduling cycle (framework.CycleState): PreFilter and
 * PreScore plugins write what they computed once for all nodes, Filter and Score read it.
 * Preemption clones it to try each node with some pods removed.
 */

/** StateData is what plugins store; clone must copy whatever AddPod/RemovePod may change. */
export interface StateData {
  clone(): StateData;
}

/** CycleState holds the plugins' state for one pod's cycle. */
export class CycleState {
  private readonly storage = new Map<string, StateData>();
  /** Filter plugins whose PreFilter returned Skip */
  skipFilterPlugins = new Set<string>();
  /** Score plugins whose PreScore returned Skip */
  skipScorePlugins = new Set<string>();
  /** the Filter plugins left after the skips (the framework's cache; unknown[] keeps this file free of plugin types) */
  activeFilterPlugins: unknown[] | undefined;
  /** how many skips activeFilterPlugins was computed with */
  activeFilterPluginsSkipped = -1;

  /** read returns the data under key (undefined when the PreX plugin did not run). */
  read<T extends StateData>(key: string): T | undefined {
    return this.storage.get(key) as T | undefined;
  }

  /** write stores data under key. */
  write(key: string, data: StateData): void {
    this.storage.set(key, data);
  }

  /** delete removes a key. */
  delete(key: string): void {
    this.storage.delete(key);
  }

  /** clone copies the state (each value through its clone). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.storage) c.storage.set(k, v.clone());
    c.skipFilterPlugins = new Set(this.skipFilterPlugins);
    c.skipScorePlugins = new Set(this.skipScorePlugins);
    c.activeFilterPlugins = this.activeFilterPlugins;
    c.activeFilterPluginsSkipped = this.activeFilterPluginsSkipped;
    return c;
  }
}
