/**
 * authorization.k8s.io/v1 access reviews and authentication.k8s.io/v1 SelfSubjectReview and
 * TokenReview: create-only resources that are never stored (the API server answers a create with
 * the request and its status filled in, see apiserver/reviews.ts). Definitions for discovery and
 * OpenAPI, and Kubernetes' validation of the request bodies.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import type { ResourceDefinition } from '../resource.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { invalidField, invalidText, required } from '../validation/field.js';

/** AUTHORIZATION_GROUP and AUTHENTICATION_GROUP are the review kinds' API groups. */
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';

const review = (group: string, kind: string, plural: string, namespaced = false): ResourceDefinition => defineResource({
  group, version: 'v1', kind, plural, namespaced, verbs: ['create'], strategy: {},
});

/** selfsubjectaccessreviews: may I do this? (`kubectl auth can-i VERB RESOURCE`) */
export const selfsubjectaccessreviews = review(AUTHORIZATION_GROUP, 'SelfSubjectAccessReview', 'selfsubjectaccessreviews');
/** selfsubjectrulesreviews: what may I do in a namespace? (`kubectl auth can-i --list`) */
export const selfsubjectrulesreviews = review(AUTHORIZATION_GROUP, 'SelfSubjectRulesReview', 'selfsubjectrulesreviews');
/** subjectaccessreviews: may this user do this? */
export const subjectaccessreviews = review(AUTHORIZATION_GROUP, 'SubjectAccessReview', 'subjectaccessreviews');
/** localsubjectaccessreviews: may this user do this in the review's namespace? */
export const localsubjectaccessreviews = review(AUTHORIZATION_GROUP, 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true);
/** selfsubjectreviews: who am I? (`kubectl auth whoami`) */
export const selfsubjectreviews = review(AUTHENTICATION_GROUP, 'SelfSubjectReview', 'selfsubjectreviews');
/** tokenreviews: whom does this bearer token authenticate? */
export const tokenreviews = review(AUTHENTICATION_GROUP, 'TokenReview', 'tokenreviews');

/** reviewResources lists every review kind, in the order registry.ts serves them. */
export const reviewResources: ResourceDefinition[] = [
  selfsubjectreviews, tokenreviews,
  localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews,
];

/** isReview tells whether a definition is one of the review kinds. */
export function isReview(def: ResourceDefinition): boolean {
  return reviewResources.includes(def);
}

/**
 * metadataMustBeEmpty: an access review carries everything in its spec (validation's
 * `metadata: Invalid value: ...: must be empty`); a name or labels would suggest it is stored.
 */
function metadataMustBeEmpty(obj: Obj, allowNamespace: boolean): FieldError[] {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const rest = Object.entries(meta).filter(([k, v]) => v !== undefined && v !== null && v !== ''
    && !(allowNamespace && k === 'namespace') && !(k === 'creationTimestamp'));
  if (rest.length === 0) return [];
  return [invalidText('metadata', goObjectMeta(meta), 'must be empty')];
}

/** goObjectMeta renders metadata roughly as Go's %#v of an ObjectMeta does (enough to recognise it). */
function goObjectMeta(meta: Obj): string {
  const fields = Object.entries(meta).map(([k, v]) => `${k[0].toUpperCase()}${k.slice(1)}:${JSON.stringify(v)}`);
  return `v1.ObjectMeta{${fields.join(', ')}}`;
}

/** validateAttributesSpec checks resourceAttributes/nonResourceAttributes (ValidateSubjectAccessReviewSpec's shared part). */
function validateAttributesSpec(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (isObj(ra) && isObj(nra)) {
    errs.push(invalidField(`${path}.nonResourceAttributes`, nra, 'cannot be specified in combination with resourceAttributes'));
  }
  if (!isObj(ra) && !isObj(nra)) {
    errs.push(invalidText(`${path}.resourceAttributes`, 'nil', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  if (isObj(ra)) errs.push(...validateSelectorAttributes(ra, `${path}.resourceAttributes`));
  return errs;
}

/** validateSelectorAttributes: a field or label selector gives either rawSelector or requirements, not both. */
function validateSelectorAttributes(ra: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['fieldSelector', 'labelSelector']) {
    const sel = ra[key];
    if (!isObj(sel)) continue;
    const raw = typeof sel.rawSelector === 'string' && sel.rawSelector !== '';
    const reqs = Array.isArray(sel.requirements) && sel.requirements.length > 0;
    if (raw && reqs) errs.push(invalidField(`${path}.${key}.rawSelector`, sel.rawSelector, 'may not specified at the same time as requirements'));
    if (!raw && !reqs) errs.push(required(`${path}.${key}.requirements`, 'when spec.resourceAttributes.' + key + ' is specified, requirements or rawSelector is required'));
  }
  return errs;
}

/** validateSelfSubjectAccessReview is ValidateSelfSubjectAccessReview. */
export function validateSelfSubjectAccessReview(obj: Obj): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  return [...metadataMustBeEmpty(obj, false), ...validateAttributesSpec(spec, 'spec')];
}

/** validateSubjectAccessReview is ValidateSubjectAccessReview: a user or a group must be named. */
export function validateSubjectAccessReview(obj: Obj): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = [...metadataMustBeEmpty(obj, false), ...validateAttributesSpec(spec, 'spec')];
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  if (!spec.user && groups.length === 0) errs.push(invalidField('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

/** validateLocalSubjectAccessReview is ValidateLocalSubjectAccessReview: resources in the review's own namespace only. */
export function validateLocalSubjectAccessReview(obj: Obj, namespace: string): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = [...metadataMustBeEmpty(obj, true), ...validateAttributesSpec(spec, 'spec')];
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  if (!spec.user && groups.length === 0) errs.push(invalidField('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  if (isObj(spec.nonResourceAttributes)) errs.push(invalidField('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  const ra = spec.resourceAttributes;
  if (isObj(ra) && (ra.namespace ?? '') !== namespace) {
    errs.push(invalidField('spec.resourceAttributes.namespace', ra.namespace ?? '', 'must match metadata.namespace'));
  }
  return errs;
}

/** validateSelfSubjectRulesReview: only the namespace to ask about. */
export function validateSelfSubjectRulesReview(obj: Obj): FieldError[] {
  return metadataMustBeEmpty(obj, false);
}
