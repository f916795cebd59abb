import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

// Test images built in memory from Debian's busybox-static: what the image store, the oci runtime
// and containerd pull from a local registry or import from a tarball. Everything is deterministic
// (fixed mtimes, fixed gzip level), so the same base layer has the same digest in every image built
// here, which is how tests show that layers are shared.

/** MEDIA_TYPES names the manifest, config and layer media types of both formats. */
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** TarEntry is one entry of a layer: a file (content), a directory, a symlink or a hard link. */
export interface TarEntry {
  /** path without a leading slash ("bin/busybox") */
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: Buffer | string;
  /** symlink target or hard link source */
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Blob is content addressed by its sha256 digest. */
export interface Blob {
  digest: string;
  mediaType: string;
  data: Buffer;
}

/** TestLayer is one layer: its blob (compressed or not) and the digest of its uncompressed tar (its diff id). */
export interface TestLayer extends Blob {
  diffId: string;
  /** the uncompressed tar, for docker save tarballs */
  tar: Buffer;
}

/** TestImage is an image in memory: config, layers and the manifest that ties them. */
export interface TestImage {
  config: Blob;
  layers: TestLayer[];
  manifest: Blob;
  platform: { os: string; architecture: string };
}

/** BusyboxImageOptions shape the image's config and content. */
export interface BusyboxImageOptions {
  entrypoint?: string[];
  cmd?: string[];
  /** extra environment, after PATH */
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  exposedPorts?: string[];
  /** files added to the base layer: path → content */
  extraFiles?: Record<string, string | Buffer>;
  /** further layers on top of the base layer, each a list of entries (a 2+ layer image) */
  extraLayers?: TarEntry[][];
  /** manifest format: OCI (default) or Docker schema 2 */
  format?: 'oci' | 'docker';
  /** layer compression: gzip (default), zstd (OCI only; needs the zstd program) or none */
  compression?: 'gzip' | 'zstd' | 'none';
  /** the config's architecture (default: this machine's, as an image platform: amd64 for x64) */
  architecture?: string;
}

/** BUSYBOX is the static busybox binary the images are made of. */
export const BUSYBOX = '/bin/busybox';

const MTIME = new Date('2024-01-01T00:00:00Z');

/** sha256Digest is "sha256:<hex>" of data. */
export function sha256Digest(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** imageArchitecture is Go's GOARCH for node's process.arch (x64 → amd64), as image platforms name it. */
export function imageArchitecture(arch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

/** tarOf packs entries into a tar archive. */
export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header: Partial<Header> & { name: string } = {
      name: type === 'directory' && !e.name.endsWith('/') ? e.name + '/' : e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: MTIME,
    };
    if (e.linkname !== undefined) header.linkname = e.linkname;
    await new Promise<void>((resolve, reject) => {
      const content = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (content === undefined) p.entry(header, cb);
      else p.entry({ ...header, size: content.length }, content, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** layerOf compresses a tar as a layer blob of the given format. */
export function layerOf(tar: Buffer, format: 'oci' | 'docker', compression: 'gzip' | 'zstd' | 'none'): TestLayer {
  let data: Buffer;
  let mediaType: string;
  if (compression === 'gzip') {
    data = gzipSync(tar, { level: 6 });
    mediaType = format === 'oci' ? MEDIA_TYPES.ociLayerGzip : MEDIA_TYPES.dockerLayerGzip;
  } else if (compression === 'zstd') {
    const r = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr?.toString() ?? r.error}`);
    data = r.stdout;
    mediaType = MEDIA_TYPES.ociLayerZstd;
  } else {
    data = tar;
    mediaType = format === 'oci' ? MEDIA_TYPES.ociLayer : 'application/vnd.docker.image.rootfs.diff.tar';
  }
  return { digest: sha256Digest(data), mediaType, data, diffId: sha256Digest(tar), tar };
}

let appletCache: string[] | undefined;

/** busyboxApplets lists the applets of the static busybox (`busybox --list`). */
export function busyboxApplets(): string[] {
  appletCache ??= execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'busybox' && !s.includes('/'));
  return appletCache;
}

/** busyboxBaseEntries is the base layer: /bin/busybox and its applets, /etc/passwd and /etc/group with root and app (1000), /tmp. */
export function busyboxBaseEntries(extraFiles: Record<string, string | Buffer> = {}): TarEntry[] {
  const entries: TarEntry[] = [
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', content: readFileSync(BUSYBOX), mode: 0o755 },
    ...busyboxApplets().map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { name: 'etc/group', content: 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' },
    { name: 'home', type: 'directory' },
    { name: 'home/app', type: 'directory', uid: 1000, gid: 1000 },
    { name: 'root', type: 'directory', mode: 0o700 },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
    { name: 'dev', type: 'directory' },
    { name: 'proc', type: 'directory' },
    { name: 'sys', type: 'directory' },
  ];
  const dirs = new Set(entries.filter((e) => e.type === 'directory').map((e) => e.name));
  for (const [path, content] of Object.entries(extraFiles)) {
    const name = path.replace(/^\/+/, '');
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ name: dir, type: 'directory' });
      }
    }
    entries.push({ name, content, mode: 0o755 });
  }
  return entries;
}

/**
 * buildBusyboxImage builds a busybox image: one layer of busybox and its applets (plus extraFiles),
 * then one layer per extraLayers entry; config Env PATH=…, Cmd ["sh"] unless told otherwise.
 */
export async function buildBusyboxImage(opts: BusyboxImageOptions = {}): Promise<TestImage> {
  const format = opts.format ?? 'oci';
  const compression = opts.compression ?? 'gzip';
  const layers = [layerOf(await tarOf(busyboxBaseEntries(opts.extraFiles)), format, compression)];
  for (const entries of opts.extraLayers ?? []) layers.push(layerOf(await tarOf(entries), format, compression));
  return imageOf(layers, opts);
}

/** imageOf assembles config and manifest around layers. */
export function imageOf(layers: TestLayer[], opts: BusyboxImageOptions = {}): TestImage {
  const format = opts.format ?? 'oci';
  const architecture = opts.architecture ?? imageArchitecture();
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  const cfg: Record<string, unknown> = { Env: env, Cmd: opts.cmd ?? ['sh'] };
  if (opts.entrypoint) cfg.Entrypoint = opts.entrypoint;
  if (opts.user !== undefined) cfg.User = opts.user;
  if (opts.workingDir !== undefined) cfg.WorkingDir = opts.workingDir;
  if (opts.exposedPorts) cfg.ExposedPorts = Object.fromEntries(opts.exposedPorts.map((p) => [p, {}]));
  const configJson = Buffer.from(
    JSON.stringify({
      created: MTIME.toISOString(),
      architecture,
      os: 'linux',
      config: cfg,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created: MTIME.toISOString(), created_by: 'tskube test image builder' })),
    }),
  );
  const config: Blob = { digest: sha256Digest(configJson), mediaType: format === 'oci' ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, data: configJson };
  const manifestMediaType = format === 'oci' ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
  const manifestJson = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.data.length })),
    }),
  );
  return {
    config,
    layers,
    manifest: { digest: sha256Digest(manifestJson), mediaType: manifestMediaType, data: manifestJson },
    platform: { os: 'linux', architecture },
  };
}

/** indexOf builds an OCI index (or a Docker manifest list) over images of different platforms. */
export function indexOf(images: TestImage[], format: 'oci' | 'docker' = 'oci'): Blob {
  const mediaType = format === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerManifestList;
  const data = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: images.map((i) => ({ mediaType: i.manifest.mediaType, digest: i.manifest.digest, size: i.manifest.data.length, platform: i.platform })),
    }),
  );
  return { digest: sha256Digest(data), mediaType, data };
}
