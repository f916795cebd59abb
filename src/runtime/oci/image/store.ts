import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { realClock, type Clock } from '../../../util/clock.js';
import { log } from '../../../util/log.js';
import { ImagePullError, type AuthConfig } from '../../types.js';
import { DigestMismatchError, RegistryError, RepositoryClient, sha256Of, type Descriptor } from './distribution.js';
import { selectManifest } from './platform.js';
import { formatReference, isDigest, parseReference, repositoryName, type Reference } from './reference.js';
import { endpointsFor, loadRegistriesConfig } from './registries.js';
import type { FsInfo, GarbageCollectOptions, ImageConfigSummary, StoredImage } from './types.js';
import { applyLayer, cleanPath, detectCompression } from './unpack.js';

// The node's content-addressed image store, under <node root>/images:
//   blobs/sha256/<hex>   manifests, configs and layers as pulled (shared between images)
//   images.json          the index: each image's names, manifest, config summary and layers
//   rootfs/<id hex>/     an image's layers applied once, flattened (the overlay lowerdir of its containers)
//   rootfs-holders/<id hex>/<container id>   a container using that root filesystem (the oci runtime's)
//   tmp/                 downloads and imports in progress
// The index is re-read when its file changes, so `tskube images import` by another process is seen.

const logger = log.child({ component: 'oci-image-store' });

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const PULL_CONCURRENCY = 3;
/** DEFAULT_IMAGE_MIN_GC_AGE_MS is the kubelet's imageMinimumGCAge: a just pulled image is not collected before it is used. */
export const DEFAULT_IMAGE_MIN_GC_AGE_MS = 2 * 60_000;

/** ImageStoreOptions: root is the store's directory; registriesFile a k3s-style registries.yaml. */
export interface ImageStoreOptions {
  root: string;
  registriesFile?: string;
  clock?: Clock;
  /** the filesystem's size and free space (tests fake a full disk); default statfs(root) */
  fsStats?: () => Promise<{ capacityBytes: number; availableBytes: number }>;
}

interface IndexFile {
  images: StoredImage[];
}

interface ManifestJson {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  schemaVersion?: number;
}

/** ImageStore pulls, imports, unpacks, lists, removes and garbage-collects images. */
export class ImageStore {
  readonly root: string;
  private readonly registriesFile: string | undefined;
  private readonly clock: Clock;
  private readonly fsStats: () => Promise<{ capacityBytes: number; availableBytes: number }>;
  private images = new Map<string, StoredImage>();
  private loadedStamp = '';
  private readonly pulls = new Map<string, Promise<StoredImage>>();
  private readonly blobFetches = new Map<string, Promise<void>>();
  private readonly unpacks = new Map<string, Promise<string>>();
  private writeChain: Promise<unknown> = Promise.resolve();

  constructor(o: ImageStoreOptions) {
    this.root = o.root;
    this.registriesFile = o.registriesFile;
    this.clock = o.clock ?? realClock;
    this.fsStats =
      o.fsStats ??
      (async () => {
        await mkdir(this.root, { recursive: true });
        const s = await statfs(this.root);
        return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
      });
  }

  private get indexFile(): string {
    return join(this.root, 'images.json');
  }

  /** blobPath is where a blob lives. */
  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  }

  private rootfsPath(id: string): string {
    return join(this.root, 'rootfs', id.replace(/^sha256:/, ''));
  }

  /** load (re)reads the index when its file changed. */
  private load(): void {
    let stamp = 'absent';
    try {
      const st = statSync(this.indexFile);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      // no index yet: an empty store
    }
    if (stamp === this.loadedStamp) return;
    this.images = new Map();
    if (stamp !== 'absent') {
      try {
        const data = JSON.parse(readFileSync(this.indexFile, 'utf8')) as IndexFile;
        for (const img of data.images ?? []) this.images.set(img.id, img);
      } catch (err) {
        logger.error(err, 'cannot read the image index', { file: this.indexFile });
      }
    }
    this.loadedStamp = stamp;
  }

  /** mutate changes the index under a lock and writes it atomically. */
  private mutate<T>(fn: (images: Map<string, StoredImage>) => T): Promise<T> {
    const run = async (): Promise<T> => {
      this.load();
      const result = fn(this.images);
      await mkdir(this.root, { recursive: true });
      const tmp = `${this.indexFile}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify({ images: [...this.images.values()] } satisfies IndexFile, null, 1));
      await rename(tmp, this.indexFile);
      this.loadedStamp = '';
      this.load();
      return result;
    };
    const p = this.writeChain.then(run, run);
    this.writeChain = p.catch(() => {});
    return p;
  }

  /** list gives every image in the store. */
  list(): StoredImage[] {
    this.load();
    return [...this.images.values()];
  }

  /** get finds an image by name (":latest"), name:tag, name@digest, id or a unique prefix of its id. */
  get(ref: string): StoredImage | undefined {
    this.load();
    const r = ref.trim();
    const hex = r.replace(/^sha256:/, '');
    if (/^[a-f0-9]{64}$/.test(hex)) {
      const byId = this.images.get(`sha256:${hex}`);
      if (byId) return byId;
    }
    let parsed: Reference | undefined;
    try {
      parsed = parseReference(r);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      const name = repositoryName(parsed);
      for (const img of this.images.values()) {
        if (parsed.digest !== undefined ? img.repoDigests.includes(`${name}@${parsed.digest}`) : img.repoTags.includes(`${name}:${parsed.tag}`)) return img;
      }
    }
    if (/^(sha256:)?[a-f0-9]{3,63}$/.test(r)) {
      const matches = [...this.images.values()].filter((img) => img.id.slice(7).startsWith(hex));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  /** pull fetches ref from its registry (or a configured mirror) unless a pull of it is under way; throws ImagePullError. */
  pull(ref: string, auth?: AuthConfig): Promise<StoredImage> {
    let parsed: Reference;
    try {
      parsed = parseReference(ref);
    } catch (err) {
      return Promise.reject(new ImagePullError(`failed to pull and unpack image "${ref}": ${(err as Error).message}`));
    }
    const full = formatReference(parsed);
    const running = this.pulls.get(full);
    if (running) return running;
    const p = this.doPull(parsed, full, auth).finally(() => this.pulls.delete(full));
    this.pulls.set(full, p);
    return p;
  }

  private async doPull(ref: Reference, full: string, auth: AuthConfig | undefined): Promise<StoredImage> {
    const endpoints = endpointsFor(ref, loadRegistriesConfig(this.registriesFile));
    let lastErr: unknown;
    for (const ep of endpoints) {
      const client = new RepositoryClient(ep, ep.mirror ? ep.auth : (auth ?? ep.auth));
      try {
        return await this.pullFrom(client, ref, full);
      } catch (err) {
        lastErr = err;
        logger.v(2).info('pull from endpoint failed', { image: full, endpoint: ep.base, err: (err as Error).message });
      }
    }
    const message = lastErr instanceof RegistryError ? lastErr.message : String((lastErr as Error)?.message ?? lastErr);
    throw new ImagePullError(`failed to pull and unpack image "${full}": ${message}`);
  }

  private async pullFrom(client: RepositoryClient, ref: Reference, full: string): Promise<StoredImage> {
    let top: { digest: string };
    try {
      top = await client.resolve(ref.digest ?? ref.tag!, full);
      if (ref.digest && top.digest !== ref.digest) throw new DigestMismatchError(`unexpected digest ${top.digest}, expected ${ref.digest}`);
    } catch (err) {
      throw new RegistryError(`failed to resolve reference "${full}": ${(err as Error).message}`, (err as RegistryError).status);
    }
    let manifestDigest = top.digest;
    let m = await client.fetchManifest(top.digest, top.digest, full);
    let json = JSON.parse(m.data.toString('utf8')) as ManifestJson;
    await this.writeBlob(top.digest, m.data);
    if (INDEX_MEDIA_TYPES.has(json.mediaType ?? m.mediaType) || Array.isArray(json.manifests)) {
      const chosen = selectManifest(json.manifests ?? []);
      if (!chosen) throw new RegistryError('no match for platform in manifest: not found');
      manifestDigest = chosen.digest;
      m = await client.fetchManifest(chosen.digest, chosen.digest, full);
      json = JSON.parse(m.data.toString('utf8')) as ManifestJson;
      await this.writeBlob(chosen.digest, m.data);
    }
    if (!json.config || !Array.isArray(json.layers)) {
      throw new RegistryError(`failed to unpack image: manifest ${manifestDigest} of media type "${json.mediaType ?? m.mediaType}" is not supported (schema 1 images are no longer supported)`);
    }
    const config = json.config;
    const layers = json.layers;
    await this.fetchBlob(client, config, 'config');
    const queue = [...layers];
    await Promise.all(
      Array.from({ length: Math.min(PULL_CONCURRENCY, queue.length) }, async () => {
        for (let l = queue.shift(); l; l = queue.shift()) await this.fetchBlob(client, l, 'layer');
      }),
    );
    const configJson = await readFile(this.blobPath(config.digest), 'utf8');
    const name = repositoryName(ref);
    return this.commit({
      id: config.digest,
      configJson,
      manifestDigest,
      layers: layers.map((l) => l.digest),
      size: config.size + layers.reduce((s, l) => s + l.size, 0),
      repoTag: ref.tag !== undefined ? `${name}:${ref.tag}` : undefined,
      repoDigest: `${name}@${top.digest}`,
    });
  }

  /** fetchBlob downloads a blob once (concurrent pulls sharing it wait for the same download). */
  private async fetchBlob(client: RepositoryClient, desc: Descriptor, kind: string): Promise<void> {
    const final = this.blobPath(desc.digest);
    if (await exists(final)) return;
    const running = this.blobFetches.get(desc.digest);
    if (running) return running;
    const p = (async () => {
      const tmp = await this.tmpFile();
      try {
        await client.fetchBlobTo(desc, tmp, kind);
        await mkdir(dirname(final), { recursive: true });
        await rename(tmp, final);
      } finally {
        await rm(tmp, { force: true });
      }
    })().finally(() => this.blobFetches.delete(desc.digest));
    this.blobFetches.set(desc.digest, p);
    return p;
  }

  private async tmpFile(): Promise<string> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    return join(this.root, 'tmp', randomBytes(8).toString('hex'));
  }

  private async writeBlob(digest: string, data: Buffer): Promise<void> {
    const final = this.blobPath(digest);
    if (await exists(final)) return;
    const tmp = await this.tmpFile();
    await writeFile(tmp, data);
    await mkdir(dirname(final), { recursive: true });
    await rename(tmp, final);
  }

  /** ingestFile copies a file into the blob store, computing (and, when given, checking) its digest. */
  private async ingestFile(src: string, expected?: string): Promise<{ digest: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    const tmp = await this.tmpFile();
    try {
      await pipeline(
        createReadStream(src),
        new Transform({
          transform(c: Buffer, _e, cb) {
            hash.update(c);
            size += c.length;
            cb(null, c);
          },
        }),
        createWriteStream(tmp),
      );
      const digest = 'sha256:' + hash.digest('hex');
      if (expected && digest !== expected) throw new DigestMismatchError(`blob ${expected}: unexpected digest ${digest}`);
      const final = this.blobPath(digest);
      await mkdir(dirname(final), { recursive: true });
      if (!(await exists(final))) await rename(tmp, final);
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** commit records an image: a tag moves to it from any other image; names merge when it is already known. */
  private commit(o: { id: string; configJson: string; manifestDigest: string; layers: string[]; size: number; repoTag?: string | undefined; repoDigest?: string | undefined }): Promise<StoredImage> {
    const cfg = JSON.parse(o.configJson) as { os?: string; architecture?: string; config?: Record<string, unknown> };
    const now = this.clock.now().toISOString();
    return this.mutate((images) => {
      if (o.repoTag) {
        for (const other of images.values()) {
          if (other.id !== o.id && other.repoTags.includes(o.repoTag)) other.repoTags = other.repoTags.filter((t) => t !== o.repoTag);
        }
      }
      const prev = images.get(o.id);
      const img: StoredImage = {
        id: o.id,
        repoTags: unique([...(prev?.repoTags ?? []), ...(o.repoTag ? [o.repoTag] : [])]),
        repoDigests: unique([...(prev?.repoDigests ?? []), ...(o.repoDigest ? [o.repoDigest] : [])]),
        size: o.size,
        config: configSummary(cfg.config ?? {}),
        layers: o.layers,
        manifestDigest: o.manifestDigest,
        ...(cfg.os && cfg.architecture ? { platform: { os: cfg.os, architecture: cfg.architecture } } : {}),
        lastUsed: now,
      };
      images.set(o.id, img);
      return img;
    });
  }

  /**
   * remove deletes an image (all its names), its unpacked root filesystem and the blobs no other
   * image uses; idempotent. As in containerd, an image a container still uses can be removed: its
   * root filesystem (the container's overlay lowerdir) stays until the last such container is
   * removed (releaseRootfs). Resolves with the ids of those containers (none: all is gone).
   */
  async remove(ref: string): Promise<string[]> {
    const img = this.get(ref);
    if (!img) return [];
    const orphans = await this.mutate((images) => {
      images.delete(img.id);
      const used = new Set<string>();
      for (const other of images.values()) for (const d of blobsOf(other)) used.add(d);
      return blobsOf(img).filter((d) => !used.has(d));
    });
    const holders = await this.rootfsHolders(img.id);
    if (holders.length === 0) await rm(this.rootfsPath(img.id), { recursive: true, force: true });
    for (const d of orphans) await rm(this.blobPath(d), { force: true });
    return holders;
  }

  private holdersPath(id: string): string {
    return join(this.root, 'rootfs-holders', id.replace(/^sha256:/, ''));
  }

  /** rootfsHolders lists the containers using an image's root filesystem. */
  async rootfsHolders(id: string): Promise<string[]> {
    return (await readdir(this.holdersPath(id)).catch(() => [] as string[])).sort();
  }

  /** holdRootfs records that a container uses the image's root filesystem (kept on disk, so `tskube images rm` in another process sees it). */
  async holdRootfs(id: string, holder: string): Promise<void> {
    await mkdir(this.holdersPath(id), { recursive: true });
    await writeFile(join(this.holdersPath(id), holder), '');
  }

  /** releaseRootfs drops a container's hold; the root filesystem of an image removed meanwhile goes with the last hold. */
  async releaseRootfs(id: string, holder: string): Promise<void> {
    await rm(join(this.holdersPath(id), holder), { force: true });
    if ((await this.rootfsHolders(id)).length > 0) return;
    await rm(this.holdersPath(id), { recursive: true, force: true });
    this.load();
    if (!this.images.has(id)) await rm(this.rootfsPath(id), { recursive: true, force: true });
  }

  /**
   * pruneRootfsHolders drops the holds of containers that no longer exist (an agent that stopped
   * between holding and recording a container), so their images' files do not stay forever.
   */
  async pruneRootfsHolders(exists: (holder: string) => boolean): Promise<void> {
    const base = join(this.root, 'rootfs-holders');
    for (const hex of await readdir(base).catch(() => [] as string[])) {
      for (const holder of await this.rootfsHolders(`sha256:${hex}`)) {
        if (!exists(holder)) await this.releaseRootfs(`sha256:${hex}`, holder);
      }
    }
  }

  /** rootfsOf gives the image's flattened root filesystem, applying its layers on first use. */
  rootfsOf(image: StoredImage): Promise<string> {
    const running = this.unpacks.get(image.id);
    if (running) return running;
    const p = (async () => {
      const dir = this.rootfsPath(image.id);
      if (!(await exists(dir))) {
        await mkdir(join(this.root, 'rootfs'), { recursive: true });
        const tmp = await mkdtemp(join(this.root, 'rootfs', '.unpack-'));
        try {
          for (const layer of image.layers) await applyLayer(tmp, this.blobPath(layer));
          await rename(tmp, dir);
        } catch (err) {
          await rm(tmp, { recursive: true, force: true });
          throw err;
        }
      }
      await this.touch(image.id);
      return dir;
    })().finally(() => this.unpacks.delete(image.id));
    this.unpacks.set(image.id, p);
    return p;
  }

  /** touch marks an image used now (garbage collection removes the least recently used first). */
  async touch(id: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.mutate((images) => {
      const img = images.get(id);
      if (img) img.lastUsed = now;
    });
  }

  /** fsInfo is the store's usage (blobs and unpacked root filesystems' blobs) and its filesystem's capacity. */
  async fsInfo(): Promise<FsInfo> {
    const fs = await this.fsStats();
    let used = 0;
    const blobs = join(this.root, 'blobs', 'sha256');
    for (const f of await readdir(blobs).catch(() => [] as string[])) used += (await stat(join(blobs, f)).catch(() => ({ size: 0 }))).size;
    return { usedBytes: used, capacityBytes: fs.capacityBytes, availableBytes: fs.availableBytes };
  }

  /**
   * garbageCollect frees space as the kubelet's image GC does: when the filesystem is fuller than
   * highThresholdPercent, images no container uses are removed, least recently used first, until
   * usage would be at lowThresholdPercent; images used within minAgeMs stay. Resolves with the ids removed.
   */
  async garbageCollect(o: GarbageCollectOptions): Promise<string[]> {
    const fs = await this.fsStats();
    if (fs.capacityBytes <= 0) return [];
    const usagePercent = 100 - Math.floor((fs.availableBytes * 100) / fs.capacityBytes);
    if (usagePercent < o.highThresholdPercent) return [];
    const amountToFree = Math.floor((fs.capacityBytes * (100 - o.lowThresholdPercent)) / 100) - fs.availableBytes;
    const inUse = new Set<string>();
    for (const ref of o.inUse) {
      const img = this.get(ref);
      if (img) inUse.add(img.id);
    }
    const newest = this.clock.now().getTime() - (o.minAgeMs ?? DEFAULT_IMAGE_MIN_GC_AGE_MS);
    const candidates = this.list()
      .filter((img) => !inUse.has(img.id) && Date.parse(img.lastUsed) <= newest)
      .sort((a, b) => a.lastUsed.localeCompare(b.lastUsed));
    const removed: string[] = [];
    let freed = 0;
    for (const img of candidates) {
      if (freed >= amountToFree) break;
      await this.remove(img.id);
      freed += img.size;
      removed.push(img.id);
    }
    if (freed < amountToFree) logger.info('failed to garbage collect required amount of images', { attempted: amountToFree, freed });
    return removed;
  }

  /** importTar loads a `docker save` tarball or an OCI image layout tarball; resolves with the images it held. */
  async importTar(file: string): Promise<StoredImage[]> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const dir = await mkdtemp(join(this.root, 'tmp', 'import-'));
    try {
      const links = await extractFiles(file, dir);
      const resolve = (rel: string): string => {
        let p = cleanPath(rel) ?? '';
        for (let i = 0; i < 16 && links.has(p); i++) p = cleanPath(posix.join(posix.dirname(p), links.get(p)!)) ?? '';
        return join(dir, p);
      };
      if (await exists(join(dir, 'manifest.json'))) return await this.importDockerSave(resolve);
      if (await exists(join(dir, 'index.json'))) return await this.importOciLayout(resolve);
      throw new Error(`${file}: not an image archive (no manifest.json of docker save, no index.json of an OCI layout)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async importDockerSave(resolve: (rel: string) => string): Promise<StoredImage[]> {
    const entries = JSON.parse(await readFile(resolve('manifest.json'), 'utf8')) as { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
    const out: StoredImage[] = [];
    for (const e of entries) {
      const config = await this.ingestFile(resolve(e.Config));
      const layers: Descriptor[] = [];
      for (const l of e.Layers) {
        const b = await this.ingestFile(resolve(l));
        const c = await detectCompression(this.blobPath(b.digest));
        layers.push({ mediaType: c === 'gzip' ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : c === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.docker.image.rootfs.diff.tar', ...b });
      }
      // docker save has no manifest: make the one containerd makes on import
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...config }, layers }));
      const manifestDigest = sha256Of(manifest);
      await this.writeBlob(manifestDigest, manifest);
      const names = (e.RepoTags ?? []).map((t) => parseReference(t));
      out.push(await this.commitNamed(config.digest, manifestDigest, layers, config.size, names, manifestDigest));
    }
    return out;
  }

  private async importOciLayout(resolve: (rel: string) => string): Promise<StoredImage[]> {
    const index = JSON.parse(await readFile(resolve('index.json'), 'utf8')) as ManifestJson;
    const out: StoredImage[] = [];
    const blob = async (d: Descriptor): Promise<Buffer> => {
      const b = await this.ingestFile(resolve(`blobs/${d.digest.replace(':', '/')}`), d.digest);
      return readFile(this.blobPath(b.digest));
    };
    for (const top of index.manifests ?? []) {
      let desc = top;
      let json = JSON.parse((await blob(desc)).toString('utf8')) as ManifestJson;
      if (Array.isArray(json.manifests)) {
        const chosen = selectManifest(json.manifests);
        if (!chosen) throw new Error(`${top.digest}: no match for platform in manifest: not found`);
        desc = chosen;
        json = JSON.parse((await blob(desc)).toString('utf8')) as ManifestJson;
      }
      if (!json.config || !Array.isArray(json.layers)) throw new Error(`${desc.digest}: not an image manifest`);
      await blob(json.config);
      for (const l of json.layers) await blob(l);
      const ann = top.annotations ?? {};
      const names: Reference[] = [];
      const name = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
      if (name && (name.includes('/') || name.includes(':') || ann['io.containerd.image.name'])) {
        try {
          names.push(parseReference(name));
        } catch {
          // a bare tag without a repository: the image stays unnamed, as with ctr import
        }
      }
      out.push(await this.commitNamed(json.config.digest, desc.digest, json.layers, json.config.size, names, top.digest));
    }
    return out;
  }

  private async commitNamed(id: string, manifestDigest: string, layers: Descriptor[], configSize: number, names: Reference[], repoDigest: string): Promise<StoredImage> {
    const configJson = await readFile(this.blobPath(id), 'utf8');
    const size = configSize + layers.reduce((s, l) => s + l.size, 0);
    let img: StoredImage | undefined;
    for (const n of names) {
      img = await this.commit({ id, configJson, manifestDigest, layers: layers.map((l) => l.digest), size, repoTag: n.tag !== undefined ? `${repositoryName(n)}:${n.tag}` : undefined, repoDigest: `${repositoryName(n)}@${repoDigest}` });
    }
    return img ?? this.commit({ id, configJson, manifestDigest, layers: layers.map((l) => l.digest), size });
  }
}

/** configSummary reads what running needs from an image config's "config" object. */
export function configSummary(c: Record<string, unknown>): ImageConfigSummary {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const env: Record<string, string> = {};
  for (const kv of strings(c.Env)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    else env[kv] = '';
  }
  const out: ImageConfigSummary = { entrypoint: strings(c.Entrypoint), cmd: strings(c.Cmd), env };
  if (typeof c.WorkingDir === 'string' && c.WorkingDir !== '') out.workingDir = c.WorkingDir;
  if (typeof c.User === 'string' && c.User !== '') out.user = c.User;
  if (c.ExposedPorts && typeof c.ExposedPorts === 'object') out.exposedPorts = Object.keys(c.ExposedPorts);
  return out;
}

/** blobsOf lists the blobs an image needs: config, layers, its manifest and the manifests (indexes) of its repo digests. */
function blobsOf(img: StoredImage): string[] {
  const digests = img.repoDigests.map((r) => r.slice(r.indexOf('@') + 1)).filter(isDigest);
  return unique([img.id, img.manifestDigest, ...img.layers, ...digests]);
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** extractFiles unpacks a tarball's regular files into dir (names cleaned); symlinks are returned, not created. */
async function extractFiles(file: string, dir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const ex = extract();
  const feeding = pipeline(createReadStream(file), ex);
  feeding.catch(() => {});
  for await (const entry of ex) {
    const rel = cleanPath(entry.header.name);
    if (rel !== undefined && (entry.header.type === 'file' || entry.header.type === 'contiguous-file')) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await pipeline(entry, createWriteStream(join(dir, rel)));
      continue;
    }
    if (rel !== undefined && entry.header.type === 'symlink') links.set(rel, entry.header.linkname);
    if (rel !== undefined && entry.header.type === 'link') {
      const src = cleanPath(entry.header.linkname);
      if (src) {
        await mkdir(dirname(join(dir, rel)), { recursive: true });
        await copyFile(join(dir, src), join(dir, rel)).catch(() => {});
      }
    }
    entry.resume();
  }
  await feeding;
  return links;
}

/** imageStoreRoot is where a node keeps its image store: <node root>/images (the oci runtime's and `tskube images`' store). */
export function imageStoreRoot(nodeRootDir: string): string {
  return join(nodeRootDir, 'images');
}
