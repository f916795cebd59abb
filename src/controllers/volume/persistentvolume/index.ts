import type { KubeObject } from '../../../api/resource.js';
import { labelSelectorFromSpec, matchesLabels } from '../../../apimachinery/labels.js';
import { tryParseQuantity } from '../../../apimachinery/quantity.js';
import { Ann, type NodeSelectorRequirement, type NodeSelectorTerm, type PersistentVolume, type PersistentVolumeClaim } from '../types.js';

/**
 * Matching claims to volumes (pkg/controller/volume/persistentvolume/index.go and
 * storage/volume/util): which volume a claim may bind to — big enough, the access modes, class,
 * volume mode, selector and (for the scheduler) node affinity it asks for — preferring a volume
 * pre-bound to the claim, then the smallest that fits.
 */

/** getPersistentVolumeClaimClass is the claim's class: the beta annotation, else spec.storageClassName, else ''. */
export function getPersistentVolumeClaimClass(claim: Readonly<PersistentVolumeClaim>): string {
  const ann = claim.metadata?.annotations?.[Ann.betaStorageClass];
  if (ann !== undefined) return ann;
  return claim.spec?.storageClassName ?? '';
}

/** getPersistentVolumeClass is the volume's class: the beta annotation, else spec.storageClassName, else ''. */
export function getPersistentVolumeClass(volume: Readonly<PersistentVolume>): string {
  const ann = volume.metadata?.annotations?.[Ann.betaStorageClass];
  if (ann !== undefined) return ann;
  return volume.spec?.storageClassName ?? '';
}

/** isVolumeBoundToClaim: the volume's claimRef names the claim (and its uid, once the ref has one). */
export function isVolumeBoundToClaim(volume: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** checkVolumeModeMismatches: claim and volume ask for different volume modes (Filesystem by default). */
export function checkVolumeModeMismatches(claim: Readonly<PersistentVolumeClaim>, volume: Readonly<PersistentVolume>): boolean {
  return (claim.spec?.volumeMode ?? 'Filesystem') !== (volume.spec?.volumeMode ?? 'Filesystem');
}

/** checkAccessModes: the volume offers every access mode the claim asks for. */
export function checkAccessModes(claim: Readonly<PersistentVolumeClaim>, volume: Readonly<PersistentVolume>): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/** requestedStorage is the claim's resources.requests.storage in bytes (0 when unset). */
export function requestedStorage(claim: Readonly<PersistentVolumeClaim>): number {
  return tryParseQuantity(claim.spec?.resources?.requests?.storage) ?? 0;
}

/** volumeStorage is the volume's capacity.storage in bytes (0 when unset). */
export function volumeStorage(volume: Readonly<PersistentVolume>): number {
  return tryParseQuantity(volume.spec?.capacity?.storage) ?? 0;
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const has = value !== undefined;
  switch (r.operator) {
    case 'In': return has && (r.values ?? []).includes(value);
    case 'NotIn': return !has || !(r.values ?? []).includes(value);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': return has && Number(value) > Number(r.values?.[0]);
    case 'Lt': return has && Number(value) < Number(r.values?.[0]);
    default: return false;
  }
}

/** matchNodeSelectorTerms: some term matches the node (an empty term matches nothing). */
export function matchNodeSelectorTerms(node: Readonly<KubeObject>, terms: readonly NodeSelectorTerm[]): boolean {
  const labels = node.metadata?.labels ?? {};
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((e) => matchRequirement(e, labels[e.key]))
      && fields.every((f) => matchRequirement(f, f.key === 'metadata.name' ? node.metadata?.name : undefined));
  });
}

/** checkNodeAffinity returns why the volume cannot be used on node (undefined when it can). */
export function checkNodeAffinity(volume: Readonly<PersistentVolume>, node: Readonly<KubeObject>): string | undefined {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!volume.spec?.nodeAffinity?.required) return undefined;
  return matchNodeSelectorTerms(node, terms ?? []) ? undefined : 'no matching NodeSelectorTerms';
}

/**
 * findMatchingVolume is volume.FindMatchingVolume: a volume pre-bound to the claim wins (unless
 * its node affinity excludes node); otherwise the smallest Available volume that is big enough,
 * of the claim's class, volume mode and selector (and, with a node, node affinity and access
 * modes). With delayBinding and no node, only pre-bound volumes count: the scheduler picks the rest.
 */
export function findMatchingVolume(claim: Readonly<PersistentVolumeClaim>, volumes: readonly Readonly<PersistentVolume>[], node: Readonly<KubeObject> | undefined,
  excluded: ReadonlySet<string> | undefined, delayBinding: boolean): Readonly<PersistentVolume> | undefined {
  const requested = requestedStorage(claim);
  const requestedClass = getPersistentVolumeClaimClass(claim);
  const selector = claim.spec?.selector ? labelSelectorFromSpec(claim.spec.selector) : undefined;
  let smallest: Readonly<PersistentVolume> | undefined;
  let smallestQty = 0;
  for (const volume of volumes) {
    if (excluded?.has(volume.metadata?.name ?? '')) continue;
    if (volume.spec?.claimRef && !isVolumeBoundToClaim(volume, claim)) continue;
    const qty = volumeStorage(volume);
    if (qty < requested) continue;
    if (checkVolumeModeMismatches(claim, volume)) continue;
    if (volume.metadata?.deletionTimestamp) continue;
    const nodeAffinityValid = !node || checkNodeAffinity(volume, node) === undefined;
    if (isVolumeBoundToClaim(volume, claim)) return nodeAffinityValid ? volume : undefined;
    if (!node && delayBinding) continue;
    if (volume.status?.phase !== 'Available') continue;
    if (selector && !matchesLabels(selector, volume.metadata?.labels)) continue;
    if (getPersistentVolumeClass(volume) !== requestedClass) continue;
    if (!nodeAffinityValid) continue;
    if (node && !checkAccessModes(claim, volume)) continue;
    if (!smallest || smallestQty > qty) {
      smallest = volume;
      smallestQty = qty;
    }
  }
  return smallest;
}

/**
 * findBestMatchForClaim is persistentVolumeOrderedIndex.findByClaim: volumes grouped by their set
 * of access modes; the groups offering every mode the claim asks for are searched fewest modes
 * first, so a ReadWriteOnce claim takes a ReadWriteOnce volume before a more capable one.
 */
export function findBestMatchForClaim(claim: Readonly<PersistentVolumeClaim>, volumes: readonly Readonly<PersistentVolume>[], delayBinding: boolean): Readonly<PersistentVolume> | undefined {
  const groups = new Map<string, Readonly<PersistentVolume>[]>();
  for (const v of volumes) {
    const key = [...new Set(v.spec?.accessModes ?? [])].sort().join(',');
    const g = groups.get(key);
    if (g) g.push(v); else groups.set(key, [v]);
  }
  const wanted = claim.spec?.accessModes ?? [];
  const candidates = [...groups.entries()]
    .map(([key, vols]) => ({ modes: key ? key.split(',') : [], vols }))
    .filter((g) => wanted.every((m) => g.modes.includes(m)))
    .sort((a, b) => a.modes.length - b.modes.length);
  for (const g of candidates) {
    const best = findMatchingVolume(claim, g.vols, undefined, undefined, delayBinding);
    if (best) return best;
  }
  return undefined;
}

/** checkVolumeSatisfyClaim says why a volume the claim names cannot serve it (undefined when it can). */
export function checkVolumeSatisfyClaim(volume: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>): string | undefined {
  if (volume.metadata?.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
  if (volumeStorage(volume) < requestedStorage(claim)) return 'requested PV is too small';
  if (getPersistentVolumeClass(volume) !== getPersistentVolumeClaimClass(claim)) return 'storageClassName does not match';
  if (checkVolumeModeMismatches(claim, volume)) return 'incompatible volumeMode';
  if (!checkAccessModes(claim, volume)) return 'incompatible accessMode';
  return undefined;
}
