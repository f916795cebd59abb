/**
 * ImageLocality favours nodes that already hold the pod's images, weighted by image size and by how
 * few nodes have them (so one node is not always picked for a popular image).
 */
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle, PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { normalizedImageName, type PodInfo } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE } from '../../framework/types.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { Names } from '../names.js';

const MB = 1024 * 1024;
/** MIN_THRESHOLD: images smaller than 23 MB do not count (pulling them is cheap). */
const MIN_THRESHOLD = 23 * MB;
/** MAX_CONTAINER_THRESHOLD: 1000 MB per container gives the full score. */
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** calculatePriority maps the summed image scores to 0..100 between the thresholds. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  if (sumScores < MIN_THRESHOLD) sumScores = MIN_THRESHOLD;
  else if (sumScores > maxThreshold) sumScores = maxThreshold;
  return Math.trunc((MAX_NODE_SCORE * (sumScores - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

/** ImageLocality is a Score plugin. */
export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = Names.ImageLocality;

  constructor(private readonly handle: Pick<Handle, 'snapshotSharedLister'>) {}

  /**
   * preScore skips scoring when no node has any of the pod's images: every node would score 0
   * alike, so the ranking cannot change (this keeps hundreds of calls per pod off the common path).
   */
  preScore(_state: CycleState, pod: PodInfo): MaybeStatus {
    const images = (this.handle.snapshotSharedLister() as { imageStates?: ReadonlyMap<string, unknown> }).imageStates;
    if (!images) return undefined;
    const spec = pod.pod.spec ?? {};
    for (const list of [spec.initContainers, spec.containers]) {
      for (const c of list ?? []) if (c.image && images.has(normalizedImageName(c.image))) return undefined;
    }
    return newStatus('Skip');
  }

  /** score sums, over the pod's containers, the size of each image on the node scaled by its spread. */
  score(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const spec = pod.pod.spec ?? {};
    const numContainers = (spec.initContainers?.length ?? 0) + (spec.containers?.length ?? 0);
    if (!nodeInfo.imageStates.size) return calculatePriority(0, numContainers);
    const totalNumNodes = this.handle.snapshotSharedLister().list().length;
    let sum = 0;
    for (const list of [spec.initContainers, spec.containers]) {
      for (const c of list ?? []) {
        const st = c.image ? nodeInfo.imageStates.get(normalizedImageName(c.image)) : undefined;
        if (st) sum += Math.trunc(st.size * (st.numNodes / totalNumNodes));
      }
    }
    return calculatePriority(sum, numContainers);
  }
}
