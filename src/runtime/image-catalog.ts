import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ImagePullError, type ImageInfo } from './types.js';

/** IMAGES_DIR holds the scripts the shipped catalog refers to as ${IMAGES}. */
export const IMAGES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'images');
/** DEFAULT_CATALOG_FILE is the catalog shipped with tskube. */
export const DEFAULT_CATALOG_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'images.yaml');

/**
 * CatalogEntry is one image: its ENTRYPOINT, CMD, ENV, WORKDIR and USER as an image config states
 * them, and `files`: paths of the image's filesystem (container path → host path) that are not the
 * host's own, bind-mounted read-only into each container of the image (e.g. a test binary at /agnhost).
 */
interface CatalogEntry {
  entrypoint?: string[]; cmd?: string[]; env?: Record<string, string>; workingDir?: string;
  /** the image's USER: uid or uid:gid (numeric, as the container has no passwd lookup of its own) */
  user?: string | number;
  files?: Record<string, string>;
  /** `busybox`: the image's /bin holds busybox's applets (the process runtime links them from /bin/busybox) */
  applets?: string;
  /**
   * the tags the registry publishes, as a regular expression over the whole tag; a tag outside it
   * is "not found" as a registry answers (the Deployment walkthrough's mistyped nginx:1.161 must
   * fail to pull). Without it every tag of the name resolves.
   */
  tags?: string;
  /**
   * the only programs the image holds (a scratch or distroless image, such as pause): an exec of
   * anything else is "not found" there. Without it, the image has the host's tools.
   */
  executables?: string[];
}

/**
 * ImageCatalog maps image names to entrypoints runnable on this host (images.yaml). An image the
 * catalog does not know still runs when the pod gives a command (the host's tools run it).
 */
export class ImageCatalog {
  private readonly entries = new Map<string, CatalogEntry>();
  /** resolve's answers by hasCommand and image (cleared by load) */
  private readonly resolved = new Map<string, ImageInfo>();

  constructor(files: string[] = [DEFAULT_CATALOG_FILE]) {
    for (const f of files) this.load(f);
  }

  /** load merges a catalog file (later files win). */
  load(file: string): void {
    this.resolved.clear();
    const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { images?: Record<string, CatalogEntry> } | null;
    for (const [name, e] of Object.entries(doc?.images ?? {})) this.entries.set(name, e ?? {});
  }

  /**
   * resolve finds an image's entrypoint; throws ImagePullError for an unknown image without a
   * command. An image's answer is kept (until the next load): every container start asks twice,
   * and each answer hashes the entry and stats the image's files. Frozen: it is shared.
   */
  resolve(image: string, hasCommand: boolean): ImageInfo {
    const key = `${hasCommand ? 1 : 0}\0${image}`;
    let info = this.resolved.get(key);
    if (!info) {
      info = deepFreeze(this.resolveUncached(image, hasCommand));
      this.resolved.set(key, info);
    }
    return info;
  }

  private resolveUncached(image: string, hasCommand: boolean): ImageInfo {
    const entry = this.lookup(image);
    if (entry?.tags !== undefined && !image.includes('@')) {
      const { tag } = normalizeImage(image);
      if (!new RegExp(`^(?:${entry.tags})$`).test(tag)) {
        const ref = fullyQualified(image);
        throw new ImagePullError(`Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": ` +
          `failed to resolve reference "${ref}": ${ref}: not found`);
      }
    }
    const imageID = `tskube-catalog://${normalizeImage(image).name}@sha256:${createHash('sha256').update(JSON.stringify(entry ?? { image })).digest('hex')}`;
    if (!entry) {
      if (hasCommand) return { image, imageID, entrypoint: [], cmd: [] };
      throw new ImagePullError(
        `Failed to pull image "${image}": image "${image}" is not in this node's image catalog and the container has no command; ` +
        `give the container a command (it runs with the host's tools) or add the image to the catalog (src/runtime/images.yaml or --images FILE)`);
    }
    const sub = (s: string) => s.replaceAll('${IMAGES}', IMAGES_DIR);
    return {
      image, imageID, size: imageSize(entry, sub),
      entrypoint: (entry.entrypoint ?? []).map(sub),
      cmd: (entry.cmd ?? []).map(sub),
      env: entry.env && Object.fromEntries(Object.entries(entry.env).map(([k, v]) => [k, sub(String(v))])), workingDir: entry.workingDir,
      ...(entry.user !== undefined ? { user: parseImageUser(String(entry.user), image) } : {}),
      ...(entry.files ? { files: Object.fromEntries(Object.entries(entry.files).map(([c, h]) => [c, sub(h)])) } : {}),
    };
  }

  /** appletsOf names the multi-call binary whose applets the image has on its PATH (busybox), if any. */
  appletsOf(image: string): string | undefined {
    return this.lookup(image)?.applets;
  }

  /** executablesOf lists the only programs the image holds, when the catalog says it holds no others. */
  executablesOf(image: string): readonly string[] | undefined {
    return this.lookup(image)?.executables;
  }

  private lookup(image: string): CatalogEntry | undefined {
    const { name, tag } = normalizeImage(image);
    // an entry for the exact name:tag is that image, whatever the name's entry says of its tags
    const exact = this.entries.get(`${name}:${tag}`);
    if (exact) return { ...exact, tags: undefined };
    return this.entries.get(name);
  }
}

/** deepFreeze freezes an answer and the arrays and objects in it. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * imageSize is what a catalog image brings of its own: its files, the scripts its entrypoint and
 * command name from the catalog's folder, and its applets' binary (the "Image size" of a pull event).
 */
function imageSize(entry: CatalogEntry, sub: (s: string) => string): number {
  const paths = new Set([...Object.values(entry.files ?? {}), ...(entry.entrypoint ?? []), ...(entry.cmd ?? [])]
    .filter((p) => p.startsWith('${IMAGES}') || p.startsWith('/')).map(sub));
  if (entry.applets === 'busybox') paths.add('/bin/busybox');
  let size = 0;
  for (const p of paths) {
    try {
      const st = fs.statSync(p);
      if (st.isFile()) size += st.size;
    } catch { /* not on this host */ }
  }
  return size;
}

/** normalizeImage strips the default registry and library/ prefix and splits off the tag. */
export function normalizeImage(image: string): { name: string; tag: string } {
  let ref = image.split('@')[0];
  let tag = 'latest';
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) { tag = ref.slice(colon + 1); ref = ref.slice(0, colon); }
  for (const p of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/', 'library/']) {
    if (ref.startsWith(p)) { ref = ref.slice(p.length); break; }
  }
  return { name: ref, tag };
}

/** fullyQualified spells an image reference as containerd does (docker.io/library/nginx:1.161). */
export function fullyQualified(image: string): string {
  const { name, tag } = normalizeImage(image);
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const repo = hasRegistry ? name : name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  return `${repo}:${tag}`;
}

/** parseImageUser reads an image's USER ("1234" or "1234:1234"); names cannot be resolved without the image's passwd. */
export function parseImageUser(user: string, image: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  if (!m) throw new ImagePullError(`image "${image}": user "${user}" in the image catalog is not numeric (uid or uid:gid)`);
  return { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) };
}
