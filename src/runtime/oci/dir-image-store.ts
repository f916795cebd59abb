import fs from 'node:fs';
import path from 'node:path';
import { sha256Digest, type TarEntry } from './testing/image-builder.js';
import type { ImageConfigSummary, StoredImage } from './image/types.js';
import type { OciImageStore } from './oci-runtime.js';

/**
 * DirImageStore is an image store of unpacked root filesystems in directories, for tests of the
 * runtime without a registry: each image is a directory written from layer entries (the test
 * fixtures' busybox entries), with a config given by the test.
 */
export class DirImageStore implements OciImageStore {
  private readonly images = new Map<string, { image: StoredImage; rootfs: string }>();

  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  /** add writes an image's files under root and registers it under name (and its repo digest and id). */
  add(name: string, entries: TarEntry[], config: Partial<ImageConfigSummary> = {}): StoredImage {
    const id = sha256Digest(`${name}:${JSON.stringify(config)}`);
    const rootfs = path.join(this.root, id.slice(7, 23));
    writeEntries(rootfs, entries);
    const image: StoredImage = {
      id, repoTags: [name], repoDigests: [`${name.replace(/:[^/:]*$/, '')}@${sha256Digest(id)}`], size: 0,
      config: { entrypoint: [], cmd: ['sh'], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, ...config },
      layers: [], manifestDigest: sha256Digest(id), lastUsed: new Date().toISOString(),
    };
    const rec = { image, rootfs };
    for (const key of [name, ...image.repoDigests, id]) this.images.set(key, rec);
    return image;
  }

  get(ref: string): StoredImage | undefined {
    return this.images.get(ref)?.image;
  }

  rootfsOf(image: string): string {
    const rec = this.images.get(image);
    if (!rec) throw new Error(`image "${image}" is not in the store`);
    return rec.rootfs;
  }
}

/** writeEntries materializes tar entries (files, directories, symlinks, hard links) under dir. */
export function writeEntries(dir: string, entries: TarEntry[]): void {
  for (const e of entries) {
    const p = path.join(dir, e.name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const type = e.type ?? 'file';
    if (type === 'directory') fs.mkdirSync(p, { recursive: true, mode: e.mode ?? 0o755 });
    else if (type === 'symlink') { fs.rmSync(p, { force: true }); fs.symlinkSync(e.linkname!, p); }
    else if (type === 'link') { fs.rmSync(p, { force: true }); fs.linkSync(path.join(dir, e.linkname!), p); }
    else fs.writeFileSync(p, e.content ?? '', { mode: e.mode ?? 0o644 });
    if (type !== 'symlink') {
      if (e.mode !== undefined) fs.chmodSync(p, e.mode);
      if (e.uid !== undefined || e.gid !== undefined) fs.chownSync(p, e.uid ?? 0, e.gid ?? 0);
    }
  }
}
