import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../util/clock.js';
import { ImagePullError, type AuthConfig, type ImageRecord, type ImageService } from '../runtime/types.js';
import { ImagePuller, invalidReferenceReason, type CredentialsLookup } from './image-puller.js';

/** FakeImages is an image store whose registry knows `known` and wants `password` for `private/*`. */
class FakeImages implements ImageService {
  readonly stored = new Map<string, ImageRecord>();
  readonly pulls: { image: string; auth?: AuthConfig }[] = [];
  constructor(private readonly known: string[]) {}
  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    this.pulls.push({ image, auth });
    if (!this.known.includes(image)) throw new ImagePullError(`failed to pull and unpack image "docker.io/library/${image}": not found`);
    if (image.startsWith('private/') && auth?.password !== 'right') throw new ImagePullError('401 Unauthorized');
    const rec = { id: `sha256:${image.length}`, repoTags: [image], repoDigests: [`${image}@sha256:abc`], size: 1234 };
    this.stored.set(image, rec);
    return rec.repoDigests[0];
  }
  async imageStatus(image: string): Promise<ImageRecord | undefined> {
    return this.stored.get(image) ?? [...this.stored.values()].find((r) => r.repoDigests.includes(image));
  }
  async listImages(): Promise<ImageRecord[]> { return [...this.stored.values()]; }
  async removeImage(image: string): Promise<void> { this.stored.delete(image); }
  async imageFsInfo() { return { usedBytes: 0, capacityBytes: 0, availableBytes: 0 }; }
}

function setup(known: string[], credentials: CredentialsLookup = () => []) {
  const clock = new FakeClock();
  const images = new FakeImages(known);
  const events: string[] = [];
  let t = 0;
  const puller = new ImagePuller({
    images, clock, credentials,
    recorder: { event: (_o, type, reason, message) => { events.push(`${type} ${reason} ${message}`); } },
    now: () => (t += 250),
  });
  return { clock, images, events, puller };
}

const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };
const container = (image: string, imagePullPolicy?: string): Container => ({ name: 'c', image, imagePullPolicy });

describe('ImagePuller', () => {
  it('pulls an absent image under IfNotPresent with the kubelet\'s events, then finds it present', async () => {
    const { puller, events } = setup(['busybox']);
    const r = await puller.ensureImageExists(pod, container('busybox', 'IfNotPresent'), [], 'spec.containers{c}');
    assert.deepEqual(r, { imageRef: 'busybox@sha256:abc' });
    assert.deepEqual(events, ['Normal Pulling Pulling image "busybox"', 'Normal Pulled Successfully pulled image "busybox" in 250ms (750ms including waiting). Image size: 1234 bytes.']);
    events.length = 0;
    assert.deepEqual(await puller.ensureImageExists(pod, container('busybox', 'IfNotPresent'), [], ''), { imageRef: 'busybox@sha256:abc' });
    assert.deepEqual(events, ['Normal Pulled Container image "busybox" already present on machine']);
  });

  it('pulls again under Always even when present', async () => {
    const { puller, images } = setup(['busybox']);
    await puller.ensureImageExists(pod, container('busybox', 'Always'), [], '');
    await puller.ensureImageExists(pod, container('busybox', 'Always'), [], '');
    assert.equal(images.pulls.length, 2);
  });

  it('refuses an absent image under Never without pulling (ErrImageNeverPull)', async () => {
    const { puller, images, events } = setup(['busybox']);
    const r = await puller.ensureImageExists(pod, container('busybox', 'Never'), [], '');
    assert.deepEqual(r, { failure: { reason: 'ErrImageNeverPull', message: 'Container image "busybox" is not present with pull policy of Never' } });
    assert.deepEqual(events, ['Warning ErrImageNeverPull Container image "busybox" is not present with pull policy of Never']);
    assert.equal(images.pulls.length, 0);
  });

  it('fails with ErrImagePull, then backs off 10 s, 20 s with the previous error in the message', async () => {
    const { puller, clock, events, images } = setup([]);
    const first = await puller.ensureImageExists(pod, container('nope', 'IfNotPresent'), [], '');
    assert.ok('failure' in first);
    assert.equal(first.failure.reason, 'ErrImagePull');
    assert.equal(first.failure.message, 'failed to pull and unpack image "docker.io/library/nope": not found');
    assert.equal(first.failure.retryAfterMs, 10_000);
    assert.equal(events.at(-1), 'Warning Failed Failed to pull image "nope": failed to pull and unpack image "docker.io/library/nope": not found');
    await clock.step(5_000);
    const second = await puller.ensureImageExists(pod, container('nope', 'IfNotPresent'), [], '');
    assert.ok('failure' in second);
    assert.equal(second.failure.reason, 'ImagePullBackOff');
    assert.equal(second.failure.message, 'Back-off pulling image "nope": ErrImagePull: failed to pull and unpack image "docker.io/library/nope": not found');
    assert.equal(second.failure.retryAfterMs, 5_000);
    assert.equal(events.at(-1), 'Normal BackOff Back-off pulling image "nope"');
    assert.equal(images.pulls.length, 1);
    await clock.step(5_000);
    const third = await puller.ensureImageExists(pod, container('nope', 'IfNotPresent'), [], '');
    assert.ok('failure' in third);
    assert.equal(third.failure.reason, 'ErrImagePull');
    assert.equal(third.failure.retryAfterMs, 20_000);
    assert.equal(images.pulls.length, 2);
  });

  it('tries each matching credential in turn and succeeds with the right one', async () => {
    const lookup: CredentialsLookup = (_image, secrets) => secrets.map((s) => ({ username: 'u', password: s.password }));
    const { puller, images } = setup(['private/app'], lookup);
    const r = await puller.ensureImageExists(pod, container('private/app', 'IfNotPresent'), [{ password: 'wrong' }, { password: 'right' }], '');
    assert.deepEqual(r, { imageRef: 'private/app@sha256:abc' });
    assert.deepEqual(images.pulls.map((p) => p.auth?.password), ['wrong', 'right']);
  });

  it('fails a private image without credentials', async () => {
    const { puller } = setup(['private/app']);
    const r = await puller.ensureImageExists(pod, container('private/app', 'IfNotPresent'), [], '');
    assert.ok('failure' in r && r.failure.message === '401 Unauthorized');
  });
});

describe('InvalidImageName', () => {
  it('refuses a reference that does not parse before looking it up or pulling, as the kubelet words it', async () => {
    const { puller, images, events } = setup(['busybox']);
    const r = await puller.ensureImageExists(pod, container('busybox::1', 'Always'), [], 'spec.containers{c}');
    const message = 'Failed to apply default image tag "busybox::1": couldn\'t parse image reference "busybox::1": invalid reference format';
    assert.deepEqual(r, { failure: { reason: 'InvalidImageName', message } });
    assert.deepEqual(events, [`Warning InspectFailed ${message}`]);
    assert.equal(images.pulls.length, 0);
  });

  it('says why, as distribution/reference does', () => {
    assert.equal(invalidReferenceReason('Nginx:Latest'), 'invalid reference format: repository name (library/Nginx) must be lowercase');
    assert.equal(invalidReferenceReason('example.com/Team/app'), 'invalid reference format: repository name (Team/app) must be lowercase');
    assert.equal(invalidReferenceReason('busybox::1'), 'invalid reference format');
    assert.equal(invalidReferenceReason('busybox:'), 'invalid reference format');
    assert.equal(invalidReferenceReason('busybox@sha256:abc'), 'invalid reference format');
    assert.equal(invalidReferenceReason('a'.repeat(64)), `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`);
    for (const ok of ['busybox', 'busybox:1.36', 'nginx:Latest', 'Registry.example:5000/team/app:v1', '127.0.0.1:5000/busybox', `busybox@sha256:${'a'.repeat(64)}`]) {
      assert.equal(invalidReferenceReason(ok), undefined, ok);
    }
  });
});

