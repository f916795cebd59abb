/**
 * The kubelet's image manager (EnsureImageExists) for runtimes with an image store: it applies a
 * container's imagePullPolicy, pulls with the pod's imagePullSecrets, keeps a per-pod-and-image
 * back-off, and words its events and errors as the kubelet 1.32 does.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { Backoff } from '../util/backoff.js';
import { goDuration } from '../util/go-duration.js';
import type { Clock } from '../util/clock.js';
import type { AuthConfig, ImageService } from '../runtime/types.js';
import type { AgentRecorder } from './events.js';
import { InvalidReferenceError, parseReference } from '../runtime/oci/image/reference.js';

/** The image back-off is the kubelet's: 10 s doubling up to 5 min. */
export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;

/** ImagePullFailure is why a container cannot start yet: its waiting reason and message. */
export interface ImagePullFailure {
  reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';
  message: string;
  /** when a retry may succeed (the back-off's remainder), for ErrImagePull and ImagePullBackOff */
  retryAfterMs?: number;
}

/** EnsureImageResult is the image ref of a present image, or why there is none. */
export type EnsureImageResult = { imageRef: string } | { failure: ImagePullFailure };

/** CredentialsLookup finds the credentials to try for an image among the pod's pull secrets' data. */
export type CredentialsLookup = (image: string, pullSecrets: Record<string, string>[]) => AuthConfig[];

/** ImagePullerOptions are the puller's collaborators; `now` measures pull durations (real time by default). */
export interface ImagePullerOptions {
  images: ImageService;
  recorder: AgentRecorder;
  clock: Clock;
  credentials: CredentialsLookup;
  now?: () => number;
}

/**
 * ImagePuller ensures a container's image is on the node. Pulls are serialized node-wide, as the
 * kubelet's default serializeImagePulls does, so "including waiting" can exceed the pull time.
 */
export class ImagePuller {
  private readonly backoff: Backoff;
  /** the last pull error per back-off key, given with ImagePullBackOff (kubelet's prevPullErrMsg) */
  private readonly prevPullErrMsg = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly o: ImagePullerOptions) {
    this.backoff = new Backoff(o.clock, IMAGE_BACKOFF_INITIAL_MS, IMAGE_BACKOFF_MAX_MS);
    this.now = o.now ?? (() => performance.now());
  }

  /** ensureImageExists returns the image's ref, pulling it when the policy says so; it records the kubelet's events on the pod. */
  async ensureImageExists(pod: Pod, c: Container, pullSecrets: Record<string, string>[], fieldPath: string): Promise<EnsureImageResult> {
    const image = c.image ?? '';
    const ref = pod as KubeObject;
    const event = (type: 'Normal' | 'Warning', reason: string, message: string) => this.o.recorder.event(ref, type, reason, message, fieldPath);
    // A reference that does not parse is refused before any lookup or pull (the kubelet's applyDefaultImageTag).
    const invalid = invalidReferenceReason(image);
    if (invalid !== undefined) {
      const message = `Failed to apply default image tag "${image}": couldn't parse image reference "${image}": ${invalid}`;
      event('Warning', 'InspectFailed', message);
      return { failure: { reason: 'InvalidImageName', message } };
    }
    const present = await this.o.images.imageStatus(image);
    const policy = c.imagePullPolicy ?? 'IfNotPresent';
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return { imageRef: present.repoDigests[0] ?? present.id };
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      event('Warning', 'ErrImageNeverPull', message);
      return { failure: { reason: 'ErrImageNeverPull', message } };
    }
    const key = `${pod.metadata?.uid ?? ''}_${image}`;
    if (this.backoff.inBackOffSinceUpdate(key)) {
      let message = `Back-off pulling image "${image}"`;
      event('Normal', 'BackOff', message);
      const prev = this.prevPullErrMsg.get(key);
      if (prev !== undefined) message = `${message}: ${prev}`;
      return { failure: { reason: 'ImagePullBackOff', message, retryAfterMs: this.backoff.remainingSinceUpdateMs(key) } };
    }
    this.prevPullErrMsg.delete(key);
    event('Normal', 'Pulling', `Pulling image "${image}"`);
    const queued = this.now();
    const result = await this.serialized(async () => {
      const started = this.now();
      const imageRef = await this.pullWithCredentials(image, pullSecrets);
      return { imageRef, pullMs: this.now() - started };
    }).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    if ('error' in result) {
      event('Warning', 'Failed', `Failed to pull image "${image}": ${result.error}`);
      this.backoff.next(key);
      this.prevPullErrMsg.set(key, `ErrImagePull: ${result.error}`);
      return { failure: { reason: 'ErrImagePull', message: result.error, retryAfterMs: this.backoff.remainingSinceUpdateMs(key) } };
    }
    const size = (await this.o.images.imageStatus(result.imageRef) ?? await this.o.images.imageStatus(image))?.size ?? 0;
    event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${goDuration(result.pullMs)} (${goDuration(this.now() - queued)} including waiting). Image size: ${size} bytes.`);
    return { imageRef: result.imageRef };
  }

  /** forgetPod drops the back-off and error state of a pod that is gone. */
  forgetPod(uid: string): void {
    for (const k of [...this.prevPullErrMsg.keys()]) if (k.startsWith(`${uid}_`)) this.prevPullErrMsg.delete(k);
  }

  /** pullWithCredentials tries each matching credential in turn (anonymous when none matches), as the kubelet's puller does. */
  private async pullWithCredentials(image: string, pullSecrets: Record<string, string>[]): Promise<string> {
    const creds = this.o.credentials(image, pullSecrets);
    if (creds.length === 0) return this.o.images.pullImage(image);
    let last: unknown;
    for (const auth of creds) {
      try { return await this.o.images.pullImage(image, auth); } catch (e) { last = e; }
    }
    throw last;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** ANCHORED_IDENTIFIER is a bare 64-hex image id, which is not a name. */
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;

/**
 * invalidReferenceReason says why an image reference does not parse, as the distribution/reference
 * package's ParseNormalizedNamed words it ("invalid reference format", "... must be lowercase"); undefined when it parses.
 */
export function invalidReferenceReason(image: string): string | undefined {
  if (ANCHORED_IDENTIFIER.test(image)) return `invalid repository name (${image}), cannot specify 64-byte hexadecimal strings`;
  // Its check for capitals comes first and names the repository as Docker Hub's normalization makes it.
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let remainder = hasDomain ? image.slice(slash + 1) : image;
  const domain = hasDomain ? (first === 'index.docker.io' ? 'docker.io' : first) : 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote !== remote.toLowerCase()) return `invalid reference format: repository name (${remote}) must be lowercase`;
  // Whitespace around a name is not trimmed by Go's parser.
  if (image.trim() !== image) return 'invalid reference format';
  try {
    parseReference(image);
  } catch (e) {
    if (!(e instanceof InvalidReferenceError)) throw e;
    if (/repository name must not be more than 255 characters/.test(e.message)) return 'repository name must not be more than 255 characters';
    return 'invalid reference format';
  }
  return undefined;
}

