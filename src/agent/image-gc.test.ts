import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import type { ContainerInfo, ContainerPhase, ImageRecord, ImageService } from '../runtime/types.js';
import { parseDuration } from '../cli/controller-flags.js';
import { DEFAULT_IMAGE_GC_POLICY, IMAGE_GC_PERIOD_MS, ImageGCManager, imageGCPolicyFromFlags } from './image-gc.js';

const GB = 1_000_000_000;

/** FakeImages is an image store on a filesystem of `capacity` bytes, of which the images and `other` bytes are used. */
class FakeImages implements ImageService {
  readonly stored = new Map<string, ImageRecord>();
  readonly removed: string[] = [];
  /** ids whose removal fails (as the store refuses an image a container uses) */
  readonly refuse = new Set<string>();
  constructor(public capacity: number, public other: number) {}
  add(id: string, size: number, o: { tag?: string; pinned?: boolean } = {}): void {
    this.stored.set(id, { id, repoTags: o.tag ? [o.tag] : [], repoDigests: [], size, ...(o.pinned ? { pinned: true } : {}) });
  }
  async pullImage(): Promise<string> { throw new Error('not used'); }
  async imageStatus(image: string): Promise<ImageRecord | undefined> {
    return this.stored.get(image) ?? [...this.stored.values()].find((r) => r.repoTags.includes(image));
  }
  async listImages(): Promise<ImageRecord[]> { return [...this.stored.values()]; }
  async removeImage(image: string): Promise<void> {
    if (this.refuse.has(image)) throw new Error(`failed to remove image "${image}": image is in use by container abc`);
    this.stored.delete(image);
    this.removed.push(image);
  }
  async imageFsInfo() {
    const used = this.other + [...this.stored.values()].reduce((s, r) => s + r.size, 0);
    return { usedBytes: used, capacityBytes: this.capacity, availableBytes: this.capacity - used };
  }
}

function container(image: string, phase: ContainerPhase = 'running'): ContainerInfo {
  return { id: `c-${image}`, sandboxId: 's', phase, config: { podUid: 'u', podName: 'p', podNamespace: 'default', name: 'c', attempt: 0, image, argv: [], env: {}, mounts: [], logPath: '/dev/null' } };
}

function setup(images: FakeImages, containers: ContainerInfo[] = [], policy = {}) {
  const clock = new FakeClock();
  const events: { kind: string; name: string; type: string; reason: string; message: string }[] = [];
  const gc = new ImageGCManager({
    images, clock, nodeName: 'host01', policy,
    listContainers: async () => containers,
    recorder: { event: (o, type, reason, message) => { events.push({ kind: String(o.kind), name: String(o.metadata?.name), type, reason, message }); } },
  });
  return { clock, events, gc, containers };
}

describe('ImageGCManager', () => {
  it('does nothing while usage is under the high threshold', async () => {
    const images = new FakeImages(100 * GB, 80 * GB);
    images.add('sha256:a', 1 * GB);
    const { gc, clock } = setup(images);
    await gc.detectImages(clock.now().getTime());
    await clock.step(10 * 60_000);
    await gc.garbageCollect();
    assert.deepEqual(images.removed, []);
  });

  it('frees down to the low threshold, least recently used first, keeping images in use', async () => {
    // 90 % used: free 10 GB to reach 80 %.
    const images = new FakeImages(100 * GB, 60 * GB);
    images.add('sha256:old', 6 * GB, { tag: 'docker.io/library/old:latest' });
    images.add('sha256:used', 10 * GB, { tag: 'docker.io/library/used:latest' });
    images.add('sha256:mid', 6 * GB, { tag: 'docker.io/library/mid:latest' });
    images.add('sha256:new', 8 * GB, { tag: 'docker.io/library/new:latest' });
    const containers = [container('docker.io/library/mid:latest')];
    const { gc, clock } = setup(images, containers);
    await gc.detectImages(clock.now().getTime());
    await clock.step(60_000);
    // "new" was used a minute later than "mid" stopped being used: mid is less recently used than new.
    containers[0] = container('docker.io/library/new:latest');
    await gc.detectImages(clock.now().getTime());
    await clock.step(60_000);
    containers[0] = container('docker.io/library/used:latest', 'exited');
    await clock.step(5 * 60_000);
    await gc.garbageCollect();
    // never used "old" goes first (6 GB), then "mid" (12 GB ≥ 10 GB): "new" and the exited container's image stay
    assert.deepEqual(images.removed, ['sha256:old', 'sha256:mid']);
  });

  it('keeps images younger than the minimum age and pinned images, and says so on the Node', async () => {
    const images = new FakeImages(100 * GB, 80 * GB);
    images.add('sha256:pinned', 5 * GB, { pinned: true });
    images.add('sha256:young', 5 * GB);
    const { gc, clock, events } = setup(images);
    await gc.detectImages(clock.now().getTime());
    await clock.step(60_000);
    images.add('sha256:old-enough-later', 1 * GB);
    await clock.step(30_000);
    // 91 % used: 11 GB to free; "young" is 90 s old, under the 2 minutes
    await assert.rejects(gc.garbageCollect(), /Attempted to free 11000000000 bytes, but only found 0 bytes eligible to free\./);
    assert.deepEqual(images.removed, []);
    assert.deepEqual(events, [{
      kind: 'Node', name: 'host01', type: 'Warning', reason: 'FreeDiskSpaceFailed',
      message: 'Failed to garbage collect required amount of images. Attempted to free 11000000000 bytes, but only found 0 bytes eligible to free.',
    }]);
    await clock.step(60_000);
    await assert.rejects(gc.garbageCollect(), /Attempted to free 11000000000 bytes, but only found 5000000000 bytes eligible to free\./);
    assert.deepEqual(images.removed, ['sha256:young']);
  });

  it('goes on past a removal error and reports it', async () => {
    const images = new FakeImages(100 * GB, 80 * GB);
    images.add('sha256:a', 5 * GB);
    images.add('sha256:b', 6 * GB);
    images.refuse.add('sha256:a');
    const { gc, clock } = setup(images);
    await gc.detectImages(clock.now().getTime());
    await clock.step(3 * 60_000);
    await assert.rejects(gc.garbageCollect(), /^Error: wanted to free 11000000000 bytes, but freed 6000000000 bytes space with errors in image deletion: failed to remove image "sha256:a": image is in use by container abc$/);
    assert.deepEqual(images.removed, ['sha256:b']);
  });

  it('reports an image filesystem of no capacity (InvalidDiskCapacity)', async () => {
    const { gc, events } = setup(new FakeImages(0, 0));
    await assert.rejects(gc.garbageCollect(), /invalid capacity 0 on image filesystem/);
    assert.equal(events[0].reason, 'InvalidDiskCapacity');
  });

  it('runs every 5 minutes and records ImageGCFailed on the second failure in a row', async () => {
    const images = new FakeImages(100 * GB, 95 * GB);
    const { gc, clock, events } = setup(images);
    const ac = new AbortController();
    const done = gc.run(ac.signal);
    await clock.step(0);
    assert.deepEqual(events.map((e) => e.reason), ['FreeDiskSpaceFailed']);
    await clock.step(IMAGE_GC_PERIOD_MS);
    assert.deepEqual(events.map((e) => e.reason), ['FreeDiskSpaceFailed', 'FreeDiskSpaceFailed', 'ImageGCFailed']);
    assert.equal(events[2].message, 'Failed to garbage collect required amount of images. Attempted to free 15000000000 bytes, but only found 0 bytes eligible to free.');
    ac.abort();
    await done;
  });

  it('deletes every unused image old enough when imagefs.available is under 15 % (eviction manager reclaim)', async () => {
    const images = new FakeImages(100 * GB, 60 * GB);
    images.add('sha256:a', 8 * GB);
    images.add('sha256:b', 10 * GB);
    images.add('sha256:c', 1 * GB, { tag: 'c' });
    // GC itself is off (high threshold 100): only the eviction manager frees space here.
    const { gc, clock } = setup(images, [container('c')], { highThresholdPercent: 100, lowThresholdPercent: 90 });
    assert.equal(await gc.reclaimImageFs(), false);
    await gc.detectImages(clock.now().getTime());
    images.other = 75 * GB; // 94 % used, 6 % available
    await clock.step(3 * 60_000);
    assert.equal(await gc.reclaimImageFs(), true);
    assert.deepEqual(images.removed.sort(), ['sha256:a', 'sha256:b']);
  });
});

describe('imageGCPolicyFromFlags', () => {
  it('gives the kubelet\'s defaults and reads the flags', () => {
    assert.deepEqual(imageGCPolicyFromFlags({}, parseDuration), DEFAULT_IMAGE_GC_POLICY);
    assert.deepEqual(imageGCPolicyFromFlags({ imageGcHighThreshold: '90', imageGcLowThreshold: '50', imageMinimumGcAge: '30s' }, parseDuration),
      { highThresholdPercent: 90, lowThresholdPercent: 50, minAgeMs: 30_000 });
  });

  it('refuses what the kubelet refuses, in its words', () => {
    assert.throws(() => imageGCPolicyFromFlags({ imageGcHighThreshold: '101' }, parseDuration),
      /^Error: invalid configuration: imageGCHighThresholdPercent \(--image-gc-high-threshold\) 101 must be between 0 and 100, inclusive$/);
    assert.throws(() => imageGCPolicyFromFlags({ imageGcLowThreshold: '85' }, parseDuration),
      /imageGCLowThresholdPercent \(--image-gc-low-threshold\) 85 must be less than imageGCHighThresholdPercent \(--image-gc-high-threshold\) 85/);
    assert.throws(() => imageGCPolicyFromFlags({ imageMinimumGcAge: '2 minutes' }, parseDuration), /invalid argument "2 minutes" for "--image-minimum-gc-age" flag: time: invalid duration/);
    assert.throws(() => imageGCPolicyFromFlags({ imageGcHighThreshold: 'x' }, parseDuration), /invalid argument "x" for "--image-gc-high-threshold" flag/);
  });
});
