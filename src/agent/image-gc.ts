/**
 * The kubelet's image garbage collection (pkg/kubelet/images' ImageGCManager) for runtimes with an
 * image store: every 5 minutes it reads the image filesystem's usage and, above
 * --image-gc-high-threshold, removes unused images, least recently used first, until usage would be
 * at --image-gc-low-threshold. Images a container uses (in any state the runtime still lists),
 * pinned images and images first seen less than --image-minimum-gc-age ago stay. It also does the
 * image-fs part of the eviction manager: when imagefs.available falls under its hard threshold, every
 * unused image old enough goes at once (reclaimNodeLevelResources).
 */
import type { KubeObject } from '../api/resource.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';
import type { ContainerInfo, ImageService } from '../runtime/types.js';
import type { AgentRecorder } from './events.js';
import { DEFAULT_EVICTION_HARD, parseThresholds, thresholdQuantity, type Threshold } from './eviction.js';

const logger = log.child({ component: 'image-gc-manager' });

/** IMAGE_GC_PERIOD_MS is the kubelet's ImageGCPeriod: images are detected and collected every 5 minutes. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;
/** EVICTION_MONITORING_PERIOD_MS is the eviction manager's housekeeping interval (10 s). */
export const EVICTION_MONITORING_PERIOD_MS = 10_000;

/** ImageGCPolicy is the kubelet's: collect above highThresholdPercent down to lowThresholdPercent; never images younger than minAgeMs. */
export interface ImageGCPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  minAgeMs: number;
}

/** DEFAULT_IMAGE_GC_POLICY is the kubelet's defaults: 85 %, 80 %, 2 minutes. */
export const DEFAULT_IMAGE_GC_POLICY: Readonly<ImageGCPolicy> = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * 60_000 };

/** validateImageGCPolicy lists what is wrong with a policy, worded as the kubelet's configuration validation. */
export function validateImageGCPolicy(p: ImageGCPolicy): string[] {
  const errs: string[] = [];
  const inRange = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!inRange(p.highThresholdPercent)) errs.push(`invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) ${p.highThresholdPercent} must be between 0 and 100, inclusive`);
  if (!inRange(p.lowThresholdPercent)) errs.push(`invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${p.lowThresholdPercent} must be between 0 and 100, inclusive`);
  if (p.lowThresholdPercent >= p.highThresholdPercent) {
    errs.push(`invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${p.lowThresholdPercent} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${p.highThresholdPercent}`);
  }
  if (!(p.minAgeMs >= 0)) errs.push(`invalid configuration: imageMinimumGCAge (--image-minimum-gc-age) must not be negative`);
  return errs;
}

/** ImageGCFlags are the kubelet flags as commander gives them (strings). */
export interface ImageGCFlags {
  imageGcHighThreshold?: string;
  imageGcLowThreshold?: string;
  imageMinimumGcAge?: string;
}

/**
 * imageGCPolicyFromFlags reads --image-gc-high-threshold, --image-gc-low-threshold and
 * --image-minimum-gc-age (a Go duration) over the defaults; throws the kubelet's errors.
 */
export function imageGCPolicyFromFlags(f: ImageGCFlags, parseDuration: (s: string) => number): ImageGCPolicy {
  const int = (flag: string, v: string): number => {
    if (!/^[+-]?\d+$/.test(v.trim())) throw new Error(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  const p: ImageGCPolicy = {
    highThresholdPercent: f.imageGcHighThreshold !== undefined ? int('image-gc-high-threshold', f.imageGcHighThreshold) : DEFAULT_IMAGE_GC_POLICY.highThresholdPercent,
    lowThresholdPercent: f.imageGcLowThreshold !== undefined ? int('image-gc-low-threshold', f.imageGcLowThreshold) : DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent,
    minAgeMs: DEFAULT_IMAGE_GC_POLICY.minAgeMs,
  };
  if (f.imageMinimumGcAge !== undefined) {
    try { p.minAgeMs = parseDuration(f.imageMinimumGcAge); } catch (e) {
      throw new Error(`invalid argument "${f.imageMinimumGcAge}" for "--image-minimum-gc-age" flag: ${(e as Error).message}`);
    }
  }
  const errs = validateImageGCPolicy(p);
  if (errs.length) throw new Error(errs.join(', '));
  return p;
}

/** ImageGCManagerOptions: the runtime's image store and containers, where events go, and the policy. */
export interface ImageGCManagerOptions {
  images: ImageService;
  /** every container the runtime still has (any state): their images are in use */
  listContainers: () => Promise<ContainerInfo[]>;
  recorder: AgentRecorder;
  nodeName: string;
  clock: Clock;
  policy?: Partial<ImageGCPolicy>;
  /** the eviction manager's hard thresholds (imagefs.available is used; default --eviction-hard's 15 %) */
  evictionThresholds?: Threshold[];
}

/** imageRecord is what the manager knows of one image: when it first saw it, last saw it used, its size. */
interface ImageRecordState {
  firstDetected: number;
  /** 0: never seen used */
  lastUsed: number;
  size: number;
  pinned: boolean;
}

interface EvictionInfo extends ImageRecordState { id: string }

/**
 * ImageGCManager tracks the node's images (first detected, last used) and frees space by removing
 * unused ones, as the kubelet's realImageGCManager does. Its records live in memory: after an
 * agent restart every image is "first detected" anew, so nothing is collected for minAge.
 */
export class ImageGCManager {
  readonly policy: ImageGCPolicy;
  private readonly records = new Map<string, ImageRecordState>();
  private readonly imagefsThreshold?: Threshold;

  constructor(private readonly o: ImageGCManagerOptions) {
    this.policy = { ...DEFAULT_IMAGE_GC_POLICY, ...(o.policy ?? {}) };
    const errs = validateImageGCPolicy(this.policy);
    if (errs.length) throw new Error(errs.join(', '));
    this.imagefsThreshold = (o.evictionThresholds ?? parseThresholds(DEFAULT_EVICTION_HARD)).find((t) => t.signal === 'imagefs.available');
  }

  private get nodeRef(): KubeObject {
    // The kubelet's node reference: events about the node carry its name as uid.
    return { apiVersion: 'v1', kind: 'Node', metadata: { name: this.o.nodeName, uid: this.o.nodeName } };
  }

  /**
   * detectImages refreshes the records from the store: new images are first detected at
   * detectTime, images a container uses are last used now; gone images are forgotten. Resolves
   * with the ids in use.
   */
  async detectImages(detectTime: number): Promise<Set<string>> {
    const images = await this.o.images.listImages();
    const containers = await this.o.listContainers();
    const inUse = new Set<string>();
    // A container names the image as its pod asked for it; the store knows which image that is now.
    const byName = new Map<string, string | undefined>();
    for (const c of containers) {
      const name = c.config.image;
      if (!byName.has(name)) byName.set(name, (await this.o.images.imageStatus(name).catch(() => undefined))?.id);
      const id = byName.get(name);
      if (id) inUse.add(id);
    }
    const now = this.o.clock.now().getTime();
    const current = new Set<string>();
    for (const img of images) {
      current.add(img.id);
      let rec = this.records.get(img.id);
      if (!rec) {
        rec = { firstDetected: detectTime, lastUsed: 0, size: img.size, pinned: false };
        this.records.set(img.id, rec);
      }
      if (inUse.has(img.id)) rec.lastUsed = now;
      rec.size = img.size;
      rec.pinned = !!img.pinned;
    }
    for (const id of [...this.records.keys()]) if (!current.has(id)) this.records.delete(id);
    return inUse;
  }

  /** imagesInEvictionOrder is every image neither in use nor pinned, least recently used first (then first detected). */
  private async imagesInEvictionOrder(freeTime: number): Promise<EvictionInfo[]> {
    const inUse = await this.detectImages(freeTime);
    const out: EvictionInfo[] = [];
    for (const [id, rec] of this.records) {
      if (inUse.has(id) || rec.pinned) continue;
      out.push({ id, ...rec });
    }
    return out.sort((a, b) => (a.lastUsed === b.lastUsed ? a.firstDetected - b.firstDetected : a.lastUsed - b.lastUsed));
  }

  /**
   * garbageCollect applies the policy once: above the high threshold it frees down to the low one.
   * Not finding enough to free is a FreeDiskSpaceFailed warning on the Node and an error.
   */
  async garbageCollect(): Promise<void> {
    const freeTime = this.o.clock.now().getTime();
    const images = await this.imagesInEvictionOrder(freeTime);
    const fs = await this.o.images.imageFsInfo();
    const capacity = fs.capacityBytes;
    const available = Math.min(fs.availableBytes, capacity);
    if (capacity === 0) {
      const msg = 'invalid capacity 0 on image filesystem';
      this.o.recorder.event(this.nodeRef, 'Warning', 'InvalidDiskCapacity', msg);
      throw new Error(msg);
    }
    const usagePercent = 100 - Math.trunc((available * 100) / capacity);
    if (usagePercent < this.policy.highThresholdPercent) return;
    const amountToFree = Math.trunc((capacity * (100 - this.policy.lowThresholdPercent)) / 100) - available;
    logger.info('Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold', {
      usage: usagePercent, highThreshold: this.policy.highThresholdPercent, amountToFree, lowThreshold: this.policy.lowThresholdPercent,
    });
    const freed = await this.freeSpace(amountToFree, freeTime, images);
    if (freed < amountToFree) {
      const msg = `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
      this.o.recorder.event(this.nodeRef, 'Warning', 'FreeDiskSpaceFailed', msg);
      throw new Error(msg);
    }
  }

  /** deleteUnusedImages removes every image eligible for collection (the eviction manager's image-fs reclaim); resolves with the bytes freed. */
  async deleteUnusedImages(): Promise<number> {
    logger.info('Attempting to delete unused images');
    const freeTime = this.o.clock.now().getTime();
    return this.freeSpace(Number.MAX_SAFE_INTEGER, freeTime, await this.imagesInEvictionOrder(freeTime));
  }

  /**
   * freeSpace removes images in order until bytesToFree are freed, skipping images used at or after
   * freeTime and images first detected less than minAge before it. Removal errors do not stop it;
   * they are reported together at the end.
   */
  private async freeSpace(bytesToFree: number, freeTime: number, images: EvictionInfo[]): Promise<number> {
    const errors: string[] = [];
    let freed = 0;
    for (const img of images) {
      if (img.lastUsed >= freeTime) continue;
      if (freeTime - img.firstDetected < this.policy.minAgeMs) continue;
      logger.info('Removing image to free bytes', { imageID: img.id, size: img.size });
      try {
        await this.o.images.removeImage(img.id);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
        continue;
      }
      this.records.delete(img.id);
      freed += img.size;
      if (freed >= bytesToFree) break;
    }
    if (errors.length) {
      throw new Error(`wanted to free ${bytesToFree} bytes, but freed ${freed} bytes space with errors in image deletion: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`);
    }
    return freed;
  }

  /**
   * reclaimImageFs is the eviction manager's node-level reclaim for imagefs.available: under its
   * hard threshold, unused images go until it is met no more. Resolves with whether it was met.
   */
  async reclaimImageFs(): Promise<boolean> {
    if (!this.imagefsThreshold) return false;
    const fs = await this.o.images.imageFsInfo();
    if (fs.capacityBytes <= 0 || fs.availableBytes >= thresholdQuantity(this.imagefsThreshold, fs.capacityBytes)) return false;
    logger.info('eviction manager: attempting to reclaim', { resourceName: 'ephemeral-storage', signal: 'imagefs.available', available: fs.availableBytes });
    await this.deleteUnusedImages().catch((e: unknown) => logger.error(e, 'eviction manager: failed to delete unused images'));
    const after = await this.o.images.imageFsInfo();
    if (after.availableBytes >= thresholdQuantity(this.imagefsThreshold, after.capacityBytes)) {
      logger.info('eviction manager: able to reduce resource pressure without evicting pods.', { resourceName: 'ephemeral-storage' });
    }
    return true;
  }

  /**
   * run detects images and collects them every 5 minutes (from the start, as the kubelet's
   * wait.Until loops), and watches imagefs.available every 10 s. A failure repeated twice in a row is
   * an ImageGCFailed warning on the Node. A high threshold of 100 turns collection off.
   */
  async run(signal: AbortSignal): Promise<void> {
    const loops: Promise<void>[] = [
      this.every(signal, IMAGE_GC_PERIOD_MS, async () => {
        await this.detectImages(this.o.clock.now().getTime()).catch((e: unknown) => logger.info('Failed to monitor images', { err: (e as Error).message }));
      }),
      this.every(signal, EVICTION_MONITORING_PERIOD_MS, async () => {
        await this.reclaimImageFs().catch((e: unknown) => logger.error(e, 'eviction manager: failed to reclaim the image filesystem'));
      }),
    ];
    if (this.policy.highThresholdPercent === 100) {
      logger.v(2).info('ImageGCHighThresholdPercent is set 100, Disable image GC');
    } else {
      let prevFailed = false;
      loops.push(this.every(signal, IMAGE_GC_PERIOD_MS, async () => {
        try {
          await this.garbageCollect();
          if (prevFailed) logger.info('Image garbage collection succeeded');
          prevFailed = false;
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          if (prevFailed) {
            logger.error(e, 'Image garbage collection failed multiple times in a row');
            // Only repeated failures are an event: the first may be stats not being ready yet.
            this.o.recorder.event(this.nodeRef, 'Warning', 'ImageGCFailed', msg);
          } else {
            logger.error(e, 'Image garbage collection failed once. Stats initialization may not have completed yet');
          }
          prevFailed = true;
        }
      }));
    }
    await Promise.all(loops);
  }

  private async every(signal: AbortSignal, ms: number, fn: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      await fn();
      await this.o.clock.sleep(ms, signal).catch(() => undefined);
    }
  }
}
