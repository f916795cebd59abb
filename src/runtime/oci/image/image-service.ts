import type { AuthConfig, ImageInfo, ImageRecord, ImageService } from '../../types.js';
import { parseReference, repositoryName } from './reference.js';
import type { ImageStore } from './store.js';
import type { StoredImage } from './types.js';

// The CRI ImageService over the node's image store, what the agent calls to apply imagePullPolicy
// (imageStatus, pullImage) and to collect unused images.

/** toImageRecord is the CRI's Image for a stored image. */
export function toImageRecord(img: StoredImage): ImageRecord {
  return { id: img.id, repoTags: [...img.repoTags], repoDigests: [...img.repoDigests], size: img.size };
}

/**
 * imageRefFor is the image's ref for the name a pod asked for: its repo digest in that repository
 * ("docker.io/library/busybox@sha256:…", what containerStatuses[].imageID shows), else any repo digest, else its id.
 */
export function imageRefFor(img: StoredImage, requested?: string): string {
  if (requested) {
    try {
      const name = repositoryName(parseReference(requested));
      const own = img.repoDigests.find((d) => d.startsWith(`${name}@`));
      if (own) return own;
    } catch {
      // not a name (an id): fall through
    }
  }
  return img.repoDigests[0] ?? img.id;
}

/**
 * imageInfoOf is what the runtime's resolveImage answers for a stored image: ENTRYPOINT, CMD, Env,
 * WorkingDir and USER (numeric as user, a name as userName for the runtime to look up in the image's /etc/passwd).
 */
export function imageInfoOf(img: StoredImage, requested: string): ImageInfo {
  const info: ImageInfo = {
    image: requested,
    imageID: imageRefFor(img, requested),
    entrypoint: [...img.config.entrypoint],
    cmd: [...img.config.cmd],
    env: { ...img.config.env },
    size: img.size,
  };
  if (img.config.workingDir) info.workingDir = img.config.workingDir;
  const user = img.config.user;
  if (user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    if (m) info.user = { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) };
    else info.userName = user;
  }
  return info;
}

/** OciImageService implements the CRI ImageService over an ImageStore. */
export class OciImageService implements ImageService {
  constructor(readonly store: ImageStore) {}

  /** pullImage pulls (concurrent pulls of one image share one download); resolves with the image's repo digest. */
  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    const img = await this.store.pull(image, auth);
    return imageRefFor(img, image);
  }

  async imageStatus(image: string): Promise<ImageRecord | undefined> {
    const img = this.store.get(image);
    return img ? toImageRecord(img) : undefined;
  }

  async listImages(): Promise<ImageRecord[]> {
    return this.store.list().map(toImageRecord);
  }

  async removeImage(image: string): Promise<void> {
    await this.store.remove(image);
  }

  async imageFsInfo(): Promise<{ usedBytes: number; capacityBytes: number; availableBytes: number }> {
    return this.store.fsInfo();
  }
}
