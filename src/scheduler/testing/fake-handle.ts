/**
 * A Handle for plugin unit tests: the snapshot built from nodes and pods, no API (tests that need
 * the API use a real test cluster).
 */
import type { Client } from '../../client/types.js';
import type { InformerFactory } from '../../client/informer-types.js';
import { FakeClock } from '../../util/clock.js';
import { Snapshot } from '../cache/snapshot.js';
import type { Node, Pod } from '../framework/api.js';
import type { CycleState } from '../framework/cycle-state.js';
import type { EventSink, Handle, PodNominator } from '../framework/interface.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { MaybeStatus } from '../framework/status.js';

/** RecordedEvent is an event a test handle recorded. */
export interface RecordedEvent { pod: string; type: string; reason: string; message: string }

/** FakeHandleOptions build a handle. */
export interface FakeHandleOptions {
  nodes?: Node[];
  pods?: Pod[];
  client?: Client;
  informers?: InformerFactory;
  /** filters run by runFilterPluginsWithNominatedPods (preemption tests) */
  filter?: (state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) => MaybeStatus;
}

/** emptyInformers has informers whose caches stay empty. */
export const emptyInformers: InformerFactory = {
  informerFor: () => ({
    lister: { get: () => undefined, list: () => [], byIndex: () => [] },
    addEventHandler: () => undefined, addIndexer: () => undefined, hasSynced: () => true,
  }),
  start: () => undefined,
  waitForCacheSync: async () => undefined,
};

/** fakeHandle returns a Handle over a snapshot of the given nodes and pods. */
export function fakeHandle(o: FakeHandleOptions = {}): Handle & { snapshot: Snapshot; events: RecordedEvent[] } {
  const snapshot = Snapshot.fromNodes(o.nodes ?? [], o.pods ?? []);
  const events: RecordedEvent[] = [];
  const recorder: EventSink = { event: (p, type, reason, message) => events.push({ pod: `${p.metadata?.namespace}/${p.metadata?.name}`, type, reason, message }) };
  const nominator: PodNominator = { nominatedPodsForNode: () => [] };
  return {
    snapshot, events,
    client: o.client ?? ({} as Client),
    informers: o.informers ?? emptyInformers,
    clock: new FakeClock(),
    eventRecorder: recorder,
    profileName: 'default-scheduler',
    snapshotSharedLister: () => snapshot,
    podNominator: () => nominator,
    runFilterPluginsWithNominatedPods: (state, pod, ni) => o.filter?.(state, pod, ni),
    runPreFilterExtensionAddPod: () => undefined,
    runPreFilterExtensionRemovePod: () => undefined,
    getWaitingPod: () => undefined,
    activate: () => undefined,
  };
}
