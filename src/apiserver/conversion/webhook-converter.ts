/**
 * The conversion webhook of a CustomResourceDefinition (spec.conversion.strategy Webhook, as
 * apiextensions-apiserver's webhookConverter): the objects not already in the desired version are
 * sent in one ConversionReview (the first of conversionReviewVersions it speaks, v1 or v1beta1)
 * to clientConfig (a URL or a Service, caBundle trusted) through the admission webhooks' client;
 * the answer is checked (uid, result, count, apiVersion, kind, name, namespace, uid) and each
 * converted object gets the original's metadata back, keeping only the labels and annotations the
 * webhook set. Failures are worded as Kubernetes words them ("conversion webhook for
 * g/v, Kind=K failed: …") and surface as 500 InternalError.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/resource.js';
import type { CustomResourceDefinition } from '../../api/apiextensions/types.js';
import { internalError } from '../../apimachinery/errors.js';
import { postAdmissionReview, resolveWebhookTarget, type ObjectGetter } from '../../admission/webhook/client.js';
import type { Clock } from '../../util/clock.js';
import { restoreObjectMeta, validateConvertedObject } from './metadata.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const GROUP = 'apiextensions.k8s.io';
/** the conversion webhook client's request timeout (kube-apiserver's webhook client default) */
const TIMEOUT_SECONDS = 30;

/** ConversionDeps are what calling a conversion webhook needs from the API server. */
export interface ConversionDeps {
  /** the stores of services and endpoints, for clientConfig.service */
  storeFor: ObjectGetter;
  clock: Clock;
}

/** gvkString is schema.GroupVersionKind's String(): `group/version, Kind=Kind`. */
export function gvkString(obj: KubeObject): string {
  const av = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  return `${av}, Kind=${typeof obj.kind === 'string' ? obj.kind : ''}`;
}

/** reviewVersion is the first ConversionReview version of the CRD's list this server speaks. */
function reviewVersion(versions: unknown): string {
  for (const v of Array.isArray(versions) ? versions : []) if (v === 'v1' || v === 'v1beta1') return v;
  throw internalError('no supported conversion review versions');
}

/** convertedObjectsOf checks a ConversionReview answer and returns its convertedObjects. */
function convertedObjectsOf(version: string, uid: string, body: Obj): unknown[] {
  const response = body.response;
  if (version === 'v1') {
    // v1 answers must say what they are and which request they answer; v1beta1 ones never had to.
    const gvk = `${typeof body.apiVersion === 'string' ? body.apiVersion : ''}, Kind=${typeof body.kind === 'string' ? body.kind : ''}`;
    const want = `${GROUP}/v1, Kind=ConversionReview`;
    if (body.apiVersion !== `${GROUP}/v1` || body.kind !== 'ConversionReview') throw new Error(`expected webhook response of ${want}, got ${gvk === ', Kind=' ? '/, Kind=' : gvk}`);
  }
  if (!isObj(response)) throw new Error('no response provided');
  if (version === 'v1' && response.uid !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(typeof response.uid === 'string' ? response.uid : '')}`);
  const result: Obj = isObj(response.result) ? response.result : {};
  if (result.status !== 'Success') {
    if (typeof result.message === 'string' && result.message) throw new Error(result.message);
    throw new Error(`response.result.status was '${typeof result.status === 'string' ? result.status : ''}', not 'Success'`);
  }
  return Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
}

/**
 * convertByWebhook converts objects to desiredAPIVersion (group/version) with the CRD's webhook;
 * those already in it are returned as they are, the others in their places.
 */
export async function convertByWebhook(
  crd: CustomResourceDefinition, objects: KubeObject[], desiredAPIVersion: string, deps: ConversionDeps,
): Promise<KubeObject[]> {
  const toConvert = objects.filter((o) => o.apiVersion !== desiredAPIVersion);
  if (!toConvert.length) return objects;
  const what = gvkString(toConvert[0]);
  const webhook = crd.spec.conversion?.webhook;
  const version = reviewVersion(webhook?.conversionReviewVersions);
  const uid = randomUUID();
  const review = {
    apiVersion: `${GROUP}/${version}`, kind: 'ConversionReview',
    request: { uid, desiredAPIVersion, objects: toConvert },
  };
  let converted: unknown[];
  try {
    const target = await resolveWebhookTarget(webhook?.clientConfig, deps.storeFor);
    const body = await postAdmissionReview(target, review, TIMEOUT_SECONDS, deps.clock);
    converted = convertedObjectsOf(version, uid, body);
  } catch (e) {
    throw internalError(`conversion webhook for ${what} failed: ${(e as Error).message}`);
  }
  if (converted.length !== toConvert.length) {
    throw internalError(`conversion webhook for ${what} returned ${converted.length} objects, expected ${toConvert.length}`);
  }
  const out: KubeObject[] = [];
  let i = 0;
  for (const original of objects) {
    if (original.apiVersion === desiredAPIVersion) {
      out.push(original);
      continue;
    }
    const index = i;
    const c = converted[i++];
    // One object answers in kube's single-object wording, a list in its per-index one.
    const single = toConvert.length === 1 && objects.length === 1;
    const invalidObject = (why: string) => internalError(single
      ? `conversion webhook for ${what} returned invalid object${why.startsWith('must') ? '' : ' at index 0'}: ${why}`
      : `conversion webhook for ${what} returned invalid converted object at index ${index}: ${why}`);
    if (!isObj(c)) throw invalidObject(`invalid type, expected=Unstructured, got=${c === null ? '<nil>' : typeof c}`);
    const got = typeof c.apiVersion === 'string' ? c.apiVersion : '';
    if (got !== desiredAPIVersion) throw invalidObject(`invalid groupVersion (expected ${desiredAPIVersion}, received ${got})`);
    if (c.kind !== original.kind) throw invalidObject(`invalid kind (expected ${String(original.kind)}, received ${typeof c.kind === 'string' ? c.kind : ''})`);
    const bad = validateConvertedObject(original, c as KubeObject);
    if (bad) throw invalidObject(bad);
    const badMeta = restoreObjectMeta(original, c as KubeObject);
    if (badMeta) {
      throw internalError(`conversion webhook for ${what} returned invalid metadata${single ? '' : ` in object at index ${index}`}: ${badMeta}`);
    }
    out.push(c as KubeObject);
  }
  return out;
}
