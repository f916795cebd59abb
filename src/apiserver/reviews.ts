/**
 * The review resources (authorization.k8s.io/v1 SelfSubjectAccessReview, SelfSubjectRulesReview,
 * SubjectAccessReview, LocalSubjectAccessReview; authentication.k8s.io/v1 SelfSubjectReview,
 * TokenReview): a create is answered by the authenticator or authorizer in force and nothing is
 * stored; the response is the request with its status filled in (201 Created), as kube-apiserver's
 * review REST storages do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldError } from '../apimachinery/errors.js';
import { StatusError, badRequest, invalid } from '../apimachinery/errors.js';
import { parseFieldSelector, type FieldSelector } from '../apimachinery/fields.js';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { isObj, type Obj } from '../api/common/obj.js';
import { checkFields } from '../api/schema/index.js';
import {
  validateLocalSubjectAccessReview, validateSelfSubjectAccessReview, validateSelfSubjectRulesReview, validateSubjectAccessReview,
} from '../api/authorization/reviews.js';
import { authorize, type Attributes, type NodeGraph } from './authz.js';
import type { TokenAuthenticator, UserInfo } from './authn.js';
import { rulesFor, type SubjectRules } from './bootstrap-policy.js';
import { decodeBody, negotiateOutput, readBody } from './negotiate.js';
import type { ResourceRequestInfo } from './request-info.js';
import { writeObject } from './response.js';

/** ReviewDeps are what the review handlers ask: the authorizer's graph and the token authenticator. */
export interface ReviewDeps {
  graph: NodeGraph;
  authn: TokenAuthenticator;
  /** audiences the API server's tokens are meant for (--api-audiences; the service account issuer by default) */
  apiAudiences?: string[];
  /** rbacRules lists the RBAC rules that apply to a user in a namespace (the RBAC authorizer's RulesFor) */
  rbacRules?: (user: UserInfo, namespace: string) => Promise<RBACRule[]>;
  /** tokenReviewer authenticates service account tokens for the wanted audiences (serviceaccount/index.ts) */
  tokenReviewer?: (token: string, audiences: string[]) => Promise<{ user: UserInfo; audiences: string[] } | undefined>;
}

/** RBACRule is an rbac/v1 PolicyRule. */
export interface RBACRule { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }

/** DEFAULT_API_AUDIENCES is kube-apiserver's default: its service account issuer. */
export const DEFAULT_API_AUDIENCES = ['https://kubernetes.default.svc.cluster.local'];

/** AccessReviewStatus is SubjectAccessReviewStatus. */
export interface AccessReviewStatus { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string }

/**
 * serveReview answers POST on a review resource with the reviewed request; every other verb is 405,
 * since reviews can only be created.
 */
export async function serveReview(def: ResourceDefinition, info: ResourceRequestInfo, user: UserInfo, req: IncomingMessage, res: ServerResponse, deps: ReviewDeps): Promise<void> {
  // Only the collection has a route, POST only: another method there is go-restful's 405, any
  // deeper path matches no route at all (404), both in its service error handler's generic words.
  if (info.name || info.subresource) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  if (req.method !== 'POST') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  // a review has no table convertor: a client asking only for a Table gets 406 before anything is read
  negotiateOutput(req.headers.accept, { table: false });
  const obj = readReview(def, decodeBody(await readBody(req), req.headers['content-type'], def.kind));
  const out = await reviewObject(def, obj, user, info.namespace ?? '', deps);
  writeObject(res, 201, out);
}

/** readReview checks the body's kind and apiVersion as the decoder does. */
function readReview(def: ResourceDefinition, raw: unknown): Obj {
  if (!isObj(raw)) throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the body is not an object`);
  const av = `${def.group}/${def.version}`;
  for (const key of ['apiVersion', 'kind']) {
    const v = raw[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      const type = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
      throw badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${type} into Go struct field .${key} of type string`);
    }
  }
  if (raw.kind !== undefined && raw.kind !== null && raw.kind !== def.kind) {
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind in the data (${String(raw.kind)}) does not match the expected kind (${def.kind})`);
  }
  if (raw.apiVersion !== undefined && raw.apiVersion !== null && raw.apiVersion !== av) {
    throw badRequest(`the API version in the data (${String(raw.apiVersion)}) does not match the expected API version (${av})`);
  }
  // The decoder's type checks (and its nulls-to-zero values) as for every other kind: a review's
  // handler walks spec, so a wrong type or a deep nesting must stop here with the decoder's 400.
  const checked = checkFields(def.group, def.version, def.kind, raw, 'Ignore');
  if (checked.error) throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${checked.error}`);
  return raw;
}

/** reviewObject evaluates one review and returns the response object (exported for tests). */
export async function reviewObject(def: ResourceDefinition, obj: Obj, user: UserInfo, namespace: string, deps: ReviewDeps): Promise<KubeObject> {
  const out: Obj = { ...structuredClone(obj), kind: def.kind, apiVersion: `${def.group}/${def.version}` };
  out.metadata = { ...(isObj(obj.metadata) ? obj.metadata : {}), creationTimestamp: null };
  const spec: Obj = isObj(obj.spec) ? obj.spec : {};
  const check = (errs: FieldError[]) => {
    if (errs.length) throw invalid(def.kind, def.group, String((isObj(obj.metadata) && obj.metadata.name) || ''), errs);
  };
  switch (def.kind) {
    case 'SelfSubjectAccessReview':
      check(validateSelfSubjectAccessReview(obj));
      out.status = await accessReview(spec, user, deps.graph);
      break;
    case 'SubjectAccessReview':
      check(validateSubjectAccessReview(obj));
      out.status = await accessReview(spec, specUser(spec), deps.graph);
      break;
    case 'LocalSubjectAccessReview':
      if (isObj(obj.metadata) && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      check(validateLocalSubjectAccessReview({ ...obj, metadata: { ...(isObj(obj.metadata) ? obj.metadata : {}), namespace } }, namespace));
      out.metadata = { ...(out.metadata as Obj), namespace };
      out.status = await accessReview(spec, specUser(spec), deps.graph);
      break;
    case 'SelfSubjectRulesReview': {
      check(validateSelfSubjectRulesReview(obj));
      const rules = await subjectRules(user, typeof spec.namespace === 'string' ? spec.namespace : '', deps);
      out.spec = { ...spec };
      out.status = { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete, ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}) };
      break;
    }
    case 'SelfSubjectReview':
      out.status = { userInfo: userInfo(user) };
      break;
    case 'TokenReview':
      out.status = await tokenReview(spec, deps);
      break;
    default:
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  return out as KubeObject;
}

/**
 * subjectRules is the union authorizer's RulesFor: the built-in rules (rulesFor) and the RBAC rules
 * bound to the user, each rule once.
 */
async function subjectRules(user: UserInfo, namespace: string, deps: ReviewDeps): Promise<SubjectRules> {
  const rules = rulesFor(user);
  for (const r of await deps.rbacRules?.(user, namespace) ?? []) {
    if (r.nonResourceURLs?.length) rules.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    else rules.resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
  }
  const once = <T>(list: T[]) => [...new Map(list.map((x) => [JSON.stringify(x), x])).values()];
  return { ...rules, resourceRules: once(rules.resourceRules), nonResourceRules: once(rules.nonResourceRules) };
}

/** userInfo is authentication.k8s.io/v1 UserInfo. */
function userInfo(user: UserInfo): Obj {
  return { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups], ...(user.extra ? { extra: structuredClone(user.extra) } : {}) };
}

function specUser(spec: Obj): UserInfo {
  return { name: typeof spec.user === 'string' ? spec.user : '', groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [] };
}

/** accessReview asks the authorizer about the spec's attributes (SubjectAccessReviewStatus). */
export async function accessReview(spec: Obj, user: UserInfo, graph: NodeGraph): Promise<AccessReviewStatus> {
  const a = attributesOf(spec, user);
  const d = await authorize(a, graph);
  // NodeRestriction's verdicts are admission's, not the authorizer's: the review reports what the authorizer allows.
  const allowed = d.allowed || !!d.admission;
  const status: AccessReviewStatus = { allowed };
  if (!allowed && d.reason) status.reason = d.reason;
  return status;
}

/** attributesOf is authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom. */
export function attributesOf(spec: Obj, user: UserInfo): Attributes {
  const nra = spec.nonResourceAttributes;
  if (isObj(nra)) {
    return {
      user, verb: String(nra.verb ?? ''), resourceRequest: false, path: String(nra.path ?? ''),
      apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '',
    };
  }
  const ra: Obj = isObj(spec.resourceAttributes) ? spec.resourceAttributes : {};
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    user, verb: s(ra.verb), resourceRequest: true, path: '', apiGroup: s(ra.group), apiVersion: s(ra.version),
    namespace: s(ra.namespace), resource: s(ra.resource), subresource: s(ra.subresource), name: s(ra.name),
    fieldSelector: fieldSelectorOf(ra.fieldSelector),
  };
}

/** fieldSelectorOf reads a FieldSelectorAttributes (rawSelector or requirements); an unparsable one is ignored, as upstream does. */
function fieldSelectorOf(sel: unknown): FieldSelector | undefined {
  if (!isObj(sel)) return undefined;
  try {
    if (typeof sel.rawSelector === 'string' && sel.rawSelector) return parseFieldSelector(sel.rawSelector);
    if (Array.isArray(sel.requirements)) {
      const terms = (sel.requirements as Obj[]).flatMap((r) => {
        const values = Array.isArray(r.values) ? r.values : [];
        if (r.operator === 'In' && values.length === 1) return [`${r.key}=${values[0]}`];
        if (r.operator === 'NotIn' && values.length === 1) return [`${r.key}!=${values[0]}`];
        return [];
      });
      return terms.length ? parseFieldSelector(terms.join(',')) : undefined;
    }
  } catch { /* ignored */ }
  return undefined;
}

/** tokenReview authenticates spec.token as the API server would (TokenReviewStatus). */
async function tokenReview(spec: Obj, deps: ReviewDeps): Promise<Obj> {
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  const wanted: string[] = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const user = deps.authn.authenticate(`Bearer ${token}`);
  if (!user) {
    // a service account token is good for the audiences it names
    const sa = await deps.tokenReviewer?.(token, wanted);
    return sa ? { authenticated: true, user: userInfo(sa.user), audiences: sa.audiences } : { user: {}, authenticated: false };
  }
  const apiAudiences = deps.apiAudiences ?? DEFAULT_API_AUDIENCES;
  // Static and node tokens are audience-agnostic: they are valid for the API server's own audiences.
  const audiences = wanted.length ? wanted.filter((w) => apiAudiences.includes(w)) : apiAudiences;
  if (wanted.length && audiences.length === 0) return { user: {}, authenticated: false, error: 'token audiences is invalid' };
  return { authenticated: true, user: userInfo(user), audiences };
}
