import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { applyStrategicMergePatch, patchSchemaFor } from '../../apimachinery/patch/index.js';
import { newControllerRef } from '../../apimachinery/ownerrefs.js';
import { getPodFromTemplate } from '../common/pod-control.js';
import { sortKeys } from '../history/hash.js';
import { newControllerRevision, type ControllerRevision } from '../history/history.js';
import type { IntOrString, PersistentVolumeClaim, Pod, StatefulSet, StatefulSetStatus, Volume } from './types.js';

/**
 * StatefulSet helpers (kube-controller-manager's stateful_set_utils.go): a pod's identity (name,
 * ordinal, labels, hostname), its storage (one claim per volumeClaimTemplate named
 * TEMPLATE-SET-ORDINAL), the claims' owner references as the retention policy wants them, the
 * pod of a given revision, revisions themselves, and the status arithmetic.
 */

/** STATEFULSET_POD_NAME_LABEL is apps.StatefulSetPodNameLabel: every pod carries its own name. */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** POD_INDEX_LABEL is apps.PodIndexLabel (the PodIndexLabel feature, on by default since 1.28). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** STATEFULSET_REVISION_LABEL is apps.StatefulSetRevisionLabel: the revision a pod was made from. */
export const STATEFULSET_REVISION_LABEL = 'controller-revision-hash';

/** controllerKind is apps/v1 StatefulSet. */
export const controllerKind = { group: 'apps', version: 'v1', kind: 'StatefulSet' } as const;
/** podKind is v1 Pod (claims scaled down under a Delete policy are owned by their pod). */
export const podKind = { group: '', version: 'v1', kind: 'Pod' } as const;

const statefulPodRegex = /^(.*)-([0-9]+)$/;

/**
 * getParentNameAndOrdinal splits `NAME-ORDINAL`; a pod whose name does not end in a number has
 * parent '' and ordinal -1 (as does one whose number does not fit an int32).
 */
export function getParentNameAndOrdinal(pod: Readonly<KubeObject>): { parent: string; ordinal: number } {
  const m = statefulPodRegex.exec(pod.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1], ordinal: n <= 0x7fffffff ? n : -1 };
}

/** getOrdinal is the pod's ordinal (-1 when it has none). */
export function getOrdinal(pod: Readonly<KubeObject>): number {
  return getParentNameAndOrdinal(pod).ordinal;
}

/** getStartOrdinal is spec.ordinals.start (0 when unset). */
export function getStartOrdinal(set: Readonly<StatefulSet>): number {
  return set.spec.ordinals?.start ?? 0;
}

/** specReplicas is spec.replicas (1 when unset, the API default). */
export function specReplicas(set: Readonly<StatefulSet>): number {
  return set.spec.replicas ?? 1;
}

/** getEndOrdinal is the last ordinal the set runs (inclusive). */
export function getEndOrdinal(set: Readonly<StatefulSet>): number {
  return getStartOrdinal(set) + specReplicas(set) - 1;
}

/** podInOrdinalRange tells whether the pod's ordinal is one the set runs now. */
export function podInOrdinalRange(pod: Readonly<KubeObject>, set: Readonly<StatefulSet>): boolean {
  const ord = getOrdinal(pod);
  return ord >= getStartOrdinal(set) && ord <= getEndOrdinal(set);
}

/** getPodName is SET-ORDINAL. */
export function getPodName(set: Readonly<StatefulSet>, ordinal: number): string {
  return `${set.metadata?.name}-${ordinal}`;
}

/** getPersistentVolumeClaimName is TEMPLATE-SET-ORDINAL. */
export function getPersistentVolumeClaimName(set: Readonly<StatefulSet>, claim: Readonly<PersistentVolumeClaim>, ordinal: number): string {
  return `${claim.metadata?.name}-${set.metadata?.name}-${ordinal}`;
}

/** isMemberOf: the pod's name is SET-NUMBER. */
export function isMemberOf(set: Readonly<StatefulSet>, pod: Readonly<KubeObject>): boolean {
  return getParentNameAndOrdinal(pod).parent === set.metadata?.name;
}

/** identityMatches: the pod has the name, namespace and pod-name label of its ordinal in set. */
export function identityMatches(set: Readonly<StatefulSet>, pod: Readonly<Pod>): boolean {
  const { parent, ordinal } = getParentNameAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata?.name && pod.metadata?.name === getPodName(set, ordinal)
    && pod.metadata?.namespace === set.metadata?.namespace && pod.metadata?.labels?.[STATEFULSET_POD_NAME_LABEL] === pod.metadata?.name;
}

/** storageMatches: every volumeClaimTemplate is a volume of the pod naming the pod's own claim. */
export function storageMatches(set: Readonly<StatefulSet>, pod: Readonly<Pod>): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const claim of set.spec.volumeClaimTemplates ?? []) {
    const v = volumes.get(claim.metadata?.name ?? '');
    if (!v?.persistentVolumeClaim || v.persistentVolumeClaim.claimName !== getPersistentVolumeClaimName(set, claim, ordinal)) return false;
  }
  return true;
}

/** retentionPolicy is spec.persistentVolumeClaimRetentionPolicy, Retain/Retain when unset. */
export function retentionPolicy(set: Readonly<StatefulSet>): { whenDeleted: string; whenScaled: string } {
  const p = set.spec.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? 'Retain', whenScaled: p?.whenScaled ?? 'Retain' };
}

/**
 * getPersistentVolumeClaims builds the claims pod needs, keyed by template name: each template
 * named for the pod's ordinal, in the set's namespace, labelled with the set's matchLabels.
 */
export function getPersistentVolumeClaims(set: Readonly<StatefulSet>, pod: Readonly<KubeObject>): Map<string, PersistentVolumeClaim> {
  const ordinal = getOrdinal(pod);
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec.volumeClaimTemplates ?? []) {
    const claim = structuredClone(t) as PersistentVolumeClaim;
    const metadata = { ...(claim.metadata ?? {}) };
    metadata.name = getPersistentVolumeClaimName(set, t, ordinal);
    metadata.namespace = set.metadata?.namespace;
    metadata.labels = { ...(metadata.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
    // A template's creationTimestamp: null and status are not part of a new claim.
    delete (metadata as Record<string, unknown>).creationTimestamp;
    claim.metadata = metadata;
    delete claim.status;
    out.set(t.metadata?.name ?? '', { ...claim, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
  }
  return out;
}

/**
 * updateStorage makes pod's volumes name its claims: one persistentVolumeClaim volume per
 * template (replacing a pod volume of the same name), then the pod's other volumes.
 */
export function updateStorage(set: Readonly<StatefulSet>, pod: Pod): void {
  const claims = getPersistentVolumeClaims(set, pod);
  const volumes: Volume[] = [];
  for (const [name, claim] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata?.name ?? '' } });
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  pod.spec = { ...(pod.spec ?? {}), volumes };
}

/** updateIdentity sets the pod's name, namespace and the pod-name and pod-index labels from its ordinal. */
export function updateIdentity(set: Readonly<StatefulSet>, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  pod.metadata = { ...(pod.metadata ?? {}), name: getPodName(set, ordinal), namespace: set.metadata?.namespace };
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
}

/** initIdentity is updateIdentity plus hostname and subdomain, which are set only on creation (immutable after). */
export function initIdentity(set: Readonly<StatefulSet>, pod: Pod): void {
  updateIdentity(set, pod);
  pod.spec = { ...(pod.spec ?? {}), hostname: pod.metadata?.name, subdomain: set.spec.serviceName ?? '' };
  if (!pod.spec.subdomain) delete pod.spec.subdomain;
}

/** isRunningAndReady: phase Running and the Ready condition True. */
export function isRunningAndReady(pod: Readonly<Pod>): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** readySince is when the Ready condition last became True (undefined when unknown or not ready). */
function readySince(pod: Readonly<Pod>): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** isRunningAndAvailable is podutil.IsPodAvailable: ready, and for longer than minReadySeconds. */
export function isRunningAndAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: Date): boolean {
  if (!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
  if (!minReadySeconds) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 < now.getTime();
}

/** availableAfterMs is how long until a ready pod becomes available (0 when it is, or waiting will not make it). */
export function availableAfterMs(pod: Readonly<Pod>, minReadySeconds: number, now: Date): number {
  const since = readySince(pod);
  if (!minReadySeconds || since === undefined) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - now.getTime() + 1);
}

/** isCreated: the API server has the pod (it has a phase). Placeholders for missing ordinals have none. */
export function isCreated(pod: Readonly<Pod>): boolean {
  return !!pod.status?.phase;
}
/** isPending: phase Pending. */
export function isPending(pod: Readonly<Pod>): boolean { return pod.status?.phase === 'Pending'; }
/** isFailed: phase Failed. */
export function isFailed(pod: Readonly<Pod>): boolean { return pod.status?.phase === 'Failed'; }
/** isSucceeded: phase Succeeded. */
export function isSucceeded(pod: Readonly<Pod>): boolean { return pod.status?.phase === 'Succeeded'; }
/** isTerminating: the pod has a deletionTimestamp. */
export function isTerminating(pod: Readonly<Pod>): boolean { return !!pod.metadata?.deletionTimestamp; }
/** isHealthy: running, ready and not terminating. */
export function isHealthy(pod: Readonly<Pod>): boolean { return isRunningAndReady(pod) && !isTerminating(pod); }
/** isUnavailable: not created, terminating, or not available for minReadySeconds. */
export function isUnavailable(pod: Readonly<Pod>, minReadySeconds: number, now: Date): boolean {
  return !isCreated(pod) || isTerminating(pod) || !isRunningAndAvailable(pod, minReadySeconds, now);
}

/** allowsBurst: podManagementPolicy Parallel (no ordering). */
export function allowsBurst(set: Readonly<StatefulSet>): boolean {
  return set.spec.podManagementPolicy === 'Parallel';
}

/** getPodRevision is the pod's controller-revision-hash label ('' when absent). */
export function getPodRevision(pod: Readonly<KubeObject>): string {
  return pod.metadata?.labels?.[STATEFULSET_REVISION_LABEL] ?? '';
}

/** setPodRevision labels the pod with revision. */
export function setPodRevision(pod: KubeObject, revision: string): void {
  pod.metadata = { ...(pod.metadata ?? {}), labels: { ...(pod.metadata?.labels ?? {}), [STATEFULSET_REVISION_LABEL]: revision } };
}

/** asOwner is set with apiVersion/kind (cache items may lack them): events and owner references need them. */
export function asOwner(set: Readonly<StatefulSet>): StatefulSet {
  return { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' } as StatefulSet;
}

/** setControllerRef is the controller reference the set puts on its pods and revisions. */
export function setControllerRef(set: Readonly<StatefulSet>): OwnerReference {
  return newControllerRef(set, controllerKind) as OwnerReference;
}

/** newStatefulSetPod is the pod of ordinal: from the template, with its identity and storage. */
export function newStatefulSetPod(set: Readonly<StatefulSet>, ordinal: number): Pod {
  const pod = getPodFromTemplate(set.spec.template, set, setControllerRef(set)) as Pod;
  delete pod.metadata!.generateName;
  pod.metadata!.name = getPodName(set, ordinal);
  initIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/**
 * newVersionedStatefulSetPod is the pod of ordinal at the right revision: below the partition (or,
 * without a rollingUpdate, below the current replica count) it stays at the current revision;
 * otherwise it is made at the update revision.
 */
export function newVersionedStatefulSetPod(currentSet: Readonly<StatefulSet>, updateSet: Readonly<StatefulSet>, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const strategy = currentSet.spec.updateStrategy;
  const ru = strategy?.rollingUpdate;
  const start = getStartOrdinal(currentSet);
  // Upstream's condition, parenthesised as Go evaluates it: a partition holds back pods whatever the type.
  const keepCurrent = (strategy?.type === 'RollingUpdate' && !ru && ordinal < start + (currentSet.status?.currentReplicas ?? 0))
    || (!!ru && ordinal < start + (ru.partition ?? 0));
  const pod = newStatefulSetPod(keepCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, keepCurrent ? currentRevision : updateRevision);
  return pod;
}

/**
 * getPatch is the strategic merge patch that puts the set's template back:
 * `{"spec":{"template":{…,"$patch":"replace"}}}`, the template encoded as the typed Go client does
 * (creationTimestamp null) with sorted keys, which is what `kubectl rollout undo` applies.
 */
export function getPatch(set: Readonly<StatefulSet>): Record<string, unknown> {
  const template = structuredClone(set.spec.template ?? {}) as Record<string, unknown> & { metadata?: Record<string, unknown> };
  template.metadata = { creationTimestamp: null, ...(template.metadata ?? {}) };
  return sortKeys({ spec: { template: { ...template, $patch: 'replace' } } }) as Record<string, unknown>;
}

/**
 * newRevision is the ControllerRevision of the set's current template: labelled with the template's
 * labels and the hash, annotated with the set's annotations (so `rollout history` shows the
 * change-cause), owned by the set.
 */
export function newRevision(set: Readonly<StatefulSet>, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(asOwner(set), setControllerRef(set), set.spec.template?.metadata?.labels, getPatch(set), revision, collisionCount);
  if (set.metadata?.annotations) cr.metadata = { ...cr.metadata, annotations: { ...set.metadata.annotations } };
  return cr;
}

/** applyRevision is the set with the revision's template restored (a strategic merge patch of its data). */
export function applyRevision(set: Readonly<StatefulSet>, revision: Readonly<ControllerRevision>): StatefulSet {
  return applyStrategicMergePatch(set, revision.data ?? null, patchSchemaFor('apps', 'StatefulSet')) as StatefulSet;
}

/** nextRevision is one past the highest revision of a sorted list (1 for none). */
export function nextRevision(sorted: readonly Readonly<ControllerRevision>[]): number {
  return sorted.length === 0 ? 1 : sorted[sorted.length - 1].revision + 1;
}

/** inconsistentStatus: status would change something the set's status says (so it must be written). */
export function inconsistentStatus(set: Readonly<StatefulSet>, status: Readonly<StatefulSetStatus>): boolean {
  const cur = set.status;
  return (status.observedGeneration ?? 0) > (cur?.observedGeneration ?? 0)
    || status.replicas !== (cur?.replicas ?? 0)
    || (status.currentReplicas ?? 0) !== (cur?.currentReplicas ?? 0)
    || (status.readyReplicas ?? 0) !== (cur?.readyReplicas ?? 0)
    || (status.updatedReplicas ?? 0) !== (cur?.updatedReplicas ?? 0)
    || (status.currentRevision ?? '') !== (cur?.currentRevision ?? '')
    || (status.availableReplicas ?? 0) !== (cur?.availableReplicas ?? 0)
    || (status.updateRevision ?? '') !== (cur?.updateRevision ?? '')
    || (status.collisionCount ?? 0) !== (cur?.collisionCount ?? 0);
}

/** completeRollingUpdate makes the update revision current once every replica is updated and ready. */
export function completeRollingUpdate(set: Readonly<StatefulSet>, status: StatefulSetStatus): void {
  const replicas = specReplicas(set);
  if (set.spec.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** ascendingOrdinal / descendingOrdinal sort pods by ordinal. */
export const ascendingOrdinal = (a: Readonly<KubeObject>, b: Readonly<KubeObject>): number => getOrdinal(a) - getOrdinal(b);
export const descendingOrdinal = (a: Readonly<KubeObject>, b: Readonly<KubeObject>): number => getOrdinal(b) - getOrdinal(a);

/**
 * getStatefulSetMaxUnavailable resolves rollingUpdate.maxUnavailable against the replica count
 * (1 when unset; a percentage rounds down but never below 1).
 */
export function getStatefulSetMaxUnavailable(maxUnavailable: IntOrString | undefined, replicas: number): number {
  let n: number;
  if (maxUnavailable === undefined || maxUnavailable === null) n = 1;
  else if (typeof maxUnavailable === 'number') n = maxUnavailable;
  else {
    const m = /^(\d+)%$/.exec(maxUnavailable);
    if (!m) throw new Error(`invalid value for IntOrString: invalid value "${maxUnavailable}": strconv.Atoi: parsing "${maxUnavailable}": invalid syntax`);
    n = Math.floor((Number(m[1]) * replicas) / 100);
  }
  return Math.max(1, n);
}

// ---- claim owner references under the retention policy (StatefulSetAutoDeletePVC) ----

type RefTarget = Readonly<KubeObject>;
type Kind = { group: string; version: string; kind: string };

function apiVersionOfKind(k: Kind): string { return k.group ? `${k.group}/${k.version}` : k.version; }

/** matchesRef: the reference names obj with the given kind (whatever its uid). */
function matchesRef(ref: OwnerReference, obj: RefTarget, k: Kind): boolean {
  return ref.apiVersion === apiVersionOfKind(k) && ref.kind === k.kind && ref.name === obj.metadata?.name;
}

/** hasOwnerRef: target has an owner reference with owner's uid. */
export function hasOwnerRef(target: RefTarget, owner: RefTarget): boolean {
  return (target.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.metadata?.uid);
}

/** hasStaleOwnerRef: target references obj by kind and name, but with another uid (a predecessor's). */
export function hasStaleOwnerRef(target: RefTarget, obj: RefTarget, k: Kind): boolean {
  for (const r of target.metadata?.ownerReferences ?? []) if (matchesRef(r, obj, k)) return r.uid !== obj.metadata?.uid;
  return false;
}

/**
 * hasUnexpectedController: under a Delete policy, the claim has a controller that is neither the
 * set nor the pod (or a stale reference to either): the claim is then left alone.
 */
export function hasUnexpectedController(claim: RefTarget, set: Readonly<StatefulSet>, pod: RefTarget): boolean {
  const p = retentionPolicy(set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return false;
  for (const r of claim.metadata?.ownerReferences ?? []) {
    if (matchesRef(r, set, controllerKind)) { if (r.uid !== set.metadata?.uid) return true; continue; }
    if (matchesRef(r, pod, podKind)) { if (r.uid !== pod.metadata?.uid) return true; continue; }
    if (r.controller) return true;
  }
  return false;
}

/** hasNonControllerOwner: the set or pod owns the claim without being its controller. */
export function hasNonControllerOwner(claim: RefTarget, set: RefTarget, pod: RefTarget): boolean {
  return (claim.metadata?.ownerReferences ?? []).some((r) => (r.uid === set.metadata?.uid || r.uid === pod.metadata?.uid) && !r.controller);
}

/**
 * isClaimOwnerUpToDate: the claim's owner references are what the retention policy asks for —
 * Retain/Retain none; whenDeleted Delete the set; whenScaled Delete the pod once it is scaled
 * away (and the set before). Claims in a state the controller did not make are left alone (true).
 */
export function isClaimOwnerUpToDate(claim: RefTarget, set: Readonly<StatefulSet>, pod: RefTarget): boolean {
  if (hasStaleOwnerRef(claim, set, controllerKind) || hasStaleOwnerRef(claim, pod, podKind)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (p.whenScaled === 'Delete' && p.whenDeleted === 'Delete') {
    return scaledDown !== hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  }
  if (p.whenScaled === 'Delete') return !hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  if (p.whenDeleted === 'Delete') return hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
  return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
}

/** addControllerRef appends owner as controller unless a reference with its uid is there. */
function addControllerRef(refs: OwnerReference[], owner: RefTarget, k: Kind): OwnerReference[] {
  if (refs.some((r) => r.uid === owner.metadata?.uid)) return refs;
  return [...refs, newControllerRef(owner, k) as OwnerReference];
}

/** updateClaimOwnerRefForSetAndPod rewrites the claim's references to the set and pod as the policy wants. */
export function updateClaimOwnerRefForSetAndPod(claim: KubeObject, set: Readonly<StatefulSet>, pod: RefTarget): void {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let refs = (claim.metadata?.ownerReferences ?? []).filter((r) => !matchesRef(r, set, controllerKind) && !matchesRef(r, pod, podKind));
  if (!unexpected) {
    const p = retentionPolicy(set);
    const scaledDown = !podInOrdinalRange(pod, set);
    if (p.whenScaled === 'Delete' && scaledDown) refs = addControllerRef(refs, pod, podKind);
    if (p.whenDeleted === 'Delete' && (p.whenScaled !== 'Delete' || !scaledDown)) refs = addControllerRef(refs, set, controllerKind);
  }
  claim.metadata = { ...(claim.metadata ?? {}), ownerReferences: refs };
  if (refs.length === 0) delete claim.metadata.ownerReferences;
}
