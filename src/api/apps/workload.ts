/** Validation shared by the controllers' kinds: selector vs template labels, the pod template, int-or-percent. */
import type { FieldError } from '../../apimachinery/errors.js';
import { isObj, type Obj } from '../common/obj.js';
import { validatePodTemplateSpec } from '../core/pod-validation.js';
import { GE0, IMMUTABLE, forbidden, invalidField, invalidText, nonNegative, notSupported, required } from '../validation/field.js';
import { goLabelSelector, goStringMap } from '../validation/go-format.js';
import { isEmptySelector, selectorMatches, validateLabelSelector } from '../validation/labels.js';
import { isValidPercent } from '../validation/names.js';
import { deepEqual } from '../../apimachinery/deep.js';

/** templateLabels returns a template's labels (undefined when absent). */
export function templateLabels(template: unknown): Record<string, string> | undefined {
  return isObj(template) && isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : undefined;
}

/** Options of validateSelectorAndTemplate. */
export interface SelectorTemplateOptions {
  /** `deployment`, `statefulset`, `daemonset` in "empty selector is invalid for <x>" */
  emptySelectorKind: string;
  /** `ReplicaSet`, `StatefulSet`, `DaemonSet` in "activeDeadlineSeconds in <x> is not Supported" */
  ownerKind: string;
  /**
   * false for DaemonSets: ValidateDaemonSetSpec has no Required check, an absent selector only shows as
   * the template labels it cannot match.
   */
  selectorRequired?: boolean;
  /**
   * What a selector LabelSelectorAsSelector cannot convert gets: Deployments and ReplicaSets
   * 'reject' it ("invalid label selector", the template unchecked: its checks need the selector),
   * StatefulSets flag it ('invalid': an Invalid without detail, the template checked without the
   * label match); undefined (DaemonSets) only skips the label match.
   */
  unconvertibleSelector?: 'reject' | 'invalid';
}

/**
 * validateSelectorAndTemplate checks spec.selector (required, valid, non-empty), that it selects the
 * template's labels, the template itself and its restartPolicy (Always) — the part of
 * ValidateDeploymentSpec/ReplicaSetSpec/StatefulSetSpec/DaemonSetSpec they all share.
 */
export function validateSelectorAndTemplate(spec: Obj, opts: SelectorTemplateOptions): FieldError[] {
  const errs: FieldError[] = [];
  // A selector whose requirements do not validate is one LabelSelectorAsSelector refuses to convert.
  let convertible = true;
  if (spec.selector === undefined || spec.selector === null) {
    if (opts.selectorRequired !== false) errs.push(required('spec.selector'));
  } else {
    const selectorErrs = validateLabelSelector(spec.selector, 'spec.selector');
    convertible = selectorErrs.length === 0;
    errs.push(...selectorErrs);
    if (isEmptySelector(spec.selector)) {
      errs.push(invalidText('spec.selector', goLabelSelector(spec.selector), `empty selector is invalid for ${opts.emptySelectorKind}`));
    }
  }
  if (!convertible) {
    if (opts.unconvertibleSelector === 'reject') return [...errs, invalidText('spec.selector', goLabelSelector(spec.selector), 'invalid label selector')];
    if (opts.unconvertibleSelector === 'invalid') errs.push(invalidText('spec.selector', goLabelSelector(spec.selector), ''));
    return [...errs, ...validateTemplateForOwner(spec.template, undefined, opts.ownerKind, false, true)];
  }
  errs.push(...validateTemplateForOwner(spec.template, spec.selector, opts.ownerKind));
  return errs;
}

/** validateTemplateForOwner is ValidatePodTemplateSpecForReplicaSet: label match, template, Always. */
export function validateTemplateForOwner(template: unknown, selector: unknown, ownerKind: string, selectorIsMap = false, skipLabelMatch = false): FieldError[] {
  if (!isObj(template)) return [required('spec.template')];
  if (skipLabelMatch) return validateTemplateBody(template, ownerKind);
  const errs: FieldError[] = [];
  const labels = templateLabels(template);
  const matches = selectorIsMap
    ? Object.entries(isObj(selector) ? selector : {}).every(([k, v]) => labels?.[k] === v)
    : selectorMatches(selector, labels);
  // An absent LabelSelector converts to labels.Nothing(), which is not Empty() and matches nothing, so
  // upstream reports the mismatch beside "spec.selector: Required value" (an RC's map selector is
  // defaulted from the template first, so for it absent means empty).
  const empty = selectorIsMap
    ? !isObj(selector) || Object.keys(selector).length === 0
    : selector !== undefined && selector !== null && isEmptySelector(selector);
  if (!empty && !matches) {
    errs.push(invalidText('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  return [...errs, ...validateTemplateBody(template, ownerKind)];
}

/** validateTemplateBody: the pod template itself, restartPolicy Always, no activeDeadlineSeconds. */
function validateTemplateBody(template: Obj, ownerKind: string): FieldError[] {
  const errs = validatePodTemplateSpec(template, 'spec.template');
  const spec: Obj = isObj(template.spec) ? template.spec : {};
  if (spec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${ownerKind} is not Supported`));
  }
  return errs;
}

/** goIntOrString renders an intstr.IntOrString as Go's %#v. */
export function goIntOrString(v: unknown): string {
  return typeof v === 'string'
    ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`
    : `intstr.IntOrString{Type:0, IntVal:${Number(v ?? 0)}, StrVal:""}`;
}

/** validatePositiveIntOrPercent: a non-negative int or an `N%` string, at most 100%. */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') {
    const msgs = isValidPercent(v);
    if (msgs.length) return msgs.map((m) => invalidText(path, goIntOrString(v), m));
    if (Number(v.slice(0, -1)) > 100) return [invalidField(path, v, 'must not be greater than 100%')];
    return [];
  }
  if (typeof v !== 'number' || v < 0) return [invalidField(path, v, GE0)];
  return [];
}

/** isZeroIntOrPercent: 0 or "0%". */
export function isZeroIntOrPercent(v: unknown): boolean {
  return v === 0 || v === '0%' || v === undefined || v === null;
}

/** validateSelectorUpdate: spec.selector is immutable (apps/v1). */
export function validateSelectorUpdate(spec: Obj, oldSpec: Obj): FieldError[] {
  if (deepEqual(spec.selector, oldSpec.selector)) return [];
  return [invalidText('spec.selector', goLabelSelector(spec.selector), IMMUTABLE)];
}

/** validateReplicaFields: replicas, minReadySeconds and revisionHistoryLimit are non-negative. */
export function validateReplicaFields(spec: Obj): FieldError[] {
  return [
    ...nonNegative('spec.replicas', spec.replicas),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit),
  ];
}
