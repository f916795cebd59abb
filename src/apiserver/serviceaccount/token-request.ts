/**
 * TokenRequest: POST /api/v1/namespaces/NS/serviceaccounts/NAME/token (kube-apiserver's TokenREST):
 * a bound token for the service account, for the requested audiences (the API server's own by
 * default), expirationSeconds (at least 10 minutes, default 3600), optionally bound to a Pod,
 * Secret or Node that must exist (and have the given uid). Nothing is stored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/resource.js';
import { isObj, type Obj } from '../../api/common/obj.js';
import { badRequest, conflict, forbidden, invalid, methodNotSupported, type FieldError } from '../../apimachinery/errors.js';
import { nodeNameOf, type UserInfo } from '../authn.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { RegistryStore } from '../../registry/store.js';
import { invalidField, tooLong } from '../../api/validation/field.js';
import { decodeBody, readBody } from '../negotiate.js';
import { writeObject } from '../response.js';
import type { PrivateClaims, TokenIssuer } from './issuer.js';

/** DEFAULT_EXPIRATION_SECONDS is TokenRequestSpec's default (one hour). */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** MIN_EXPIRATION_SECONDS: a token lives at least 10 minutes. */
export const MIN_EXPIRATION_SECONDS = 600;

/** TokenRequestDeps are the stores and the issuer the handler needs. */
export interface TokenRequestDeps {
  issuer: TokenIssuer;
  apiAudiences: string[];
  store(kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node'): RegistryStore;
}

/** validateTokenRequest is ValidateTokenRequest. */
export function validateTokenRequest(spec: Obj): FieldError[] {
  const exp = spec.expirationSeconds as number;
  const errs: FieldError[] = [];
  if (exp < MIN_EXPIRATION_SECONDS) errs.push(invalidField('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  if (exp > 2 ** 32 - 1) errs.push(tooLong('spec.expirationSeconds', 2 ** 32 - 1));
  return errs;
}

/**
 * nodeRestriction is NodeRestriction's check of a node's TokenRequest: it must be bound to a pod
 * (with its uid) that is scheduled on that node.
 */
async function nodeRestriction(node: string, namespace: string, name: string, spec: Obj, deps: TokenRequestDeps): Promise<void> {
  const refuse = (why: string) => forbidden({ group: '', resource: 'serviceaccounts' }, name, why);
  const ref = isObj(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw refuse('node requested token not bound to a pod');
  if (!ref.uid) throw refuse('node requested token with a pod binding without a uid');
  const pod = await deps.store('Pod').get(namespace, String(ref.name));
  if (pod.metadata?.uid !== ref.uid) {
    throw refuse(`the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if ((pod.spec as { nodeName?: string } | undefined)?.nodeName !== node) throw refuse('node requested token bound to a pod scheduled on a different node');
}

/** createToken answers a TokenRequest for namespace/name (exported for tests and the handler); user: the requester (nodes are restricted). */
export async function createToken(namespace: string, name: string, body: unknown, deps: TokenRequestDeps, user?: UserInfo): Promise<KubeObject> {
  const tr: Obj = isObj(body) ? structuredClone(body) : {};
  if (tr.kind !== undefined && tr.kind !== 'TokenRequest') {
    throw badRequest(`TokenRequest in version "v1" cannot be handled as a TokenRequest: the kind in the data (${String(tr.kind)}) does not match the expected kind (TokenRequest)`);
  }
  const spec: Obj = isObj(tr.spec) ? tr.spec : {};
  // SetDefaults_TokenRequestSpec, then the API server's audiences when none are asked for
  spec.expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION_SECONDS;
  if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [...deps.apiAudiences];
  const errs = validateTokenRequest(spec);
  if (errs.length) throw invalid('TokenRequest', 'authentication.k8s.io', name, errs);
  const node = user && nodeNameOf(user);
  if (node !== undefined && node !== '') await nodeRestriction(node, namespace, name, spec, deps);

  const sa = await deps.store('ServiceAccount').get(namespace, name);
  const claims: PrivateClaims = { namespace, serviceaccount: { name, uid: sa.metadata!.uid! } };
  const ref = isObj(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  if (ref) {
    const kind = String(ref.kind ?? '');
    const apiVersion = String(ref.apiVersion ?? '');
    const refName = String(ref.name ?? '');
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    let obj: KubeObject;
    if (group === '' && kind === 'Pod') {
      obj = await deps.store('Pod').get(namespace, refName);
      const podSA = (obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
      if (podSA !== name) throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      claims.pod = { name: refName, uid: obj.metadata!.uid! };
      // The pod's node rides along (ServiceAccountTokenPodNodeInfo), so node-bound pods' tokens name it.
      const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) {
        const node = await deps.store('Node').get(undefined, nodeName).catch(() => undefined);
        if (node) claims.node = { name: nodeName, uid: node.metadata!.uid! };
      }
    } else if (group === '' && kind === 'Secret') {
      obj = await deps.store('Secret').get(namespace, refName);
      claims.secret = { name: refName, uid: obj.metadata!.uid! };
    } else if (group === '' && kind === 'Node') {
      obj = await deps.store('Node').get(undefined, refName);
      claims.node = { name: refName, uid: obj.metadata!.uid! };
    } else {
      throw badRequest(`cannot bind token to object of type ${group}/${apiVersion.split('/').pop()}, Kind=${kind}`);
    }
    if (ref.uid && ref.uid !== obj.metadata!.uid) {
      throw conflict({ group, resource: kind }, refName, `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }
  const { token, expiration } = deps.issuer.issue({ audiences: (spec.audiences as unknown[]).map(String), expirationSeconds: spec.expirationSeconds as number, claims });
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...(isObj(tr.metadata) ? tr.metadata : {}), name, namespace, creationTimestamp: null },
    spec,
    status: { token, expirationTimestamp: rfc3339(expiration) },
  };
}

/** serveTokenRequest handles the serviceaccounts/token subresource (create only). */
export async function serveTokenRequest(namespace: string, name: string, req: IncomingMessage, res: ServerResponse, deps: TokenRequestDeps, user?: UserInfo): Promise<void> {
  if (req.method !== 'POST') throw methodNotSupported({ group: '', resource: 'serviceaccounts/token' }, req.method === 'GET' ? 'get' : (req.method ?? '').toLowerCase());
  const body = decodeBody(await readBody(req), req.headers['content-type'], 'TokenRequest');
  writeObject(res, 201, await createToken(namespace, name, body, deps, user));
}
