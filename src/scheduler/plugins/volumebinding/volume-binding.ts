/**
 * VolumeBinding as a framework plugin: PreFilter checks the pod's claims (missing, being deleted,
 * unbound Immediate ones reject it everywhere), Filter checks each node against bound volumes'
 * node affinity and what WaitForFirstConsumer claims need, PreBind binds or provisions the claims
 * for the chosen node and waits for them. The volume logic lives in ../../volume-binding.ts.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, Handle, PreBindPlugin, PreFilterOutcome, PreFilterPlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { asStatus, newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/types.js';
import { Names } from '../names.js';
import { VolumeBinding as VolumeBinder, type NodeVolumes, type PodVolumeClaims } from '../../volume-binding.js';

/** VolumeBindingArgs are the plugin's args. */
export interface VolumeBindingArgs { bindTimeoutSeconds?: number }

/** VOLUME_BINDING is the plugin's name. */
export const VOLUME_BINDING = Names.VolumeBinding;

const STATE_KEY = `PreFilter${VOLUME_BINDING}`;

class State implements StateData {
  /** what binding the pod to each node takes, filled by Filter */
  readonly plan = new Map<string, NodeVolumes>();
  constructor(readonly claims: PodVolumeClaims) {}
  clone(): StateData { return this; }
}

/** VolumeBinding is a PreFilter, Filter and PreBind plugin. */
export class VolumeBinding implements PreFilterPlugin, FilterPlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = VOLUME_BINDING;
  private readonly binder: VolumeBinder;

  constructor(args: VolumeBindingArgs, handle: Pick<Handle, 'client' | 'informers' | 'clock'>) {
    this.binder = new VolumeBinder({ client: handle.client, informers: handle.informers, clock: handle.clock, bindTimeoutMs: (args.bindTimeoutSeconds ?? 600) * 1000 });
  }

  /** preFilter sorts the pod's claims; Skip without claims; a claim problem rejects every node. */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    const r = this.binder.preFilter(pod.pod);
    if ('skip' in r) return { status: newStatus('Skip') };
    if ('reject' in r) return { status: newStatus('UnschedulableAndUnresolvable', r.reject) };
    state.write(STATE_KEY, new State(r.claims));
    return undefined;
  }

  /** filter checks the node for the pod's volumes. */
  filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const s = state.read<State>(STATE_KEY);
    if (!s || !nodeInfo.node) return undefined;
    const why = this.binder.filter(s.claims, nodeInfo.node, s.plan);
    return why ? newStatus('UnschedulableAndUnresolvable', why) : undefined;
  }

  /** preBind binds or provisions the claims for the node and waits until they are bound. */
  async preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    const s = state.read<State>(STATE_KEY);
    if (!s) return undefined;
    try {
      await this.binder.preBind(pod.pod, nodeName, s.claims, s.plan.get(nodeName));
      return undefined;
    } catch (e) {
      return asStatus(e);
    }
  }

  /** eventsToRegister: claims, volumes and classes appearing or changing; nodes added or relabelled. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'StorageClass', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ];
  }
}
