/**
 * `tskube images import|ls|rm`: a node's image store (the oci runtime's), used directly on the
 * node's root directory as ctr/crictl are used on a containerd node: import `docker save` and
 * OCI-layout tarballs for air-gapped machines and users' own builds, list, remove.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImageStore, imageStoreRoot } from '../runtime/oci/image/store.js';
import { parseReference, repositoryName } from '../runtime/oci/image/reference.js';
import type { StoredImage } from '../runtime/oci/image/types.js';

/** NodeSelection says which node's root directory: --root-dir, or --data-dir's nodes/<--node> (default: the first node). */
export interface NodeSelection {
  dataDir?: string;
  node?: string;
  rootDir?: string;
  allNodes?: boolean;
}

/** nodeRootDirs resolves the node root directories a command works on. */
export function nodeRootDirs(o: NodeSelection): string[] {
  if (o.rootDir) return [o.rootDir];
  const nodesDir = join(o.dataDir ?? '.tskube', 'nodes');
  const existing = existsSync(nodesDir) ? readdirSync(nodesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  if (o.allNodes) {
    if (existing.length === 0) throw new Error(`no node in ${nodesDir}: run \`tskube up\` first, or name one with --node`);
    return existing.map((n) => join(nodesDir, n));
  }
  // `tskube up` names its first node host01: importing before the first start prepares that node
  return [join(nodesDir, o.node ?? existing[0] ?? 'host01')];
}

/** humanSize is docker's units.HumanSizeWithPrecision(size, 3) (decimal units), as crictl prints SIZE. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  const s = Number(size.toPrecision(3)).toString();
  return `${s}${units[i]}`;
}

/** imageRows are crictl images' rows: one per repo tag, or the repo digest's name with <none> for an untagged image. */
export function imageRows(images: StoredImage[]): string[][] {
  const rows: string[][] = [];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 13);
    const size = humanSize(img.size);
    if (img.repoTags.length === 0) {
      const name = img.repoDigests[0]?.slice(0, img.repoDigests[0].indexOf('@')) ?? '<none>';
      rows.push([name, '<none>', id, size]);
      continue;
    }
    for (const tag of img.repoTags) {
      const colon = tag.lastIndexOf(':');
      rows.push([tag.slice(0, colon), tag.slice(colon + 1), id, size]);
    }
  }
  return rows.sort((a, b) => a[0]!.localeCompare(b[0]!) || a[1]!.localeCompare(b[1]!));
}

/** formatTable pads columns as crictl's tabwriter does (minimum width 20, padding 3). */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(20, ...all.map((r) => (r[i] ?? '').length + 3)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('').trimEnd()).join('\n') + '\n';
}

/** importImages loads a tarball into each selected node's store; resolves with the lines to print. */
export async function importImages(file: string, o: NodeSelection): Promise<string[]> {
  const lines: string[] = [];
  for (const root of nodeRootDirs(o)) {
    const images = await new ImageStore({ root: imageStoreRoot(root) }).importTar(file);
    for (const img of images) {
      if (img.repoTags.length === 0) lines.push(`Loaded image ID: ${img.id}`);
      for (const t of img.repoTags) lines.push(`Loaded image: ${t}`);
    }
  }
  return [...new Set(lines)];
}

/** listImages is `tskube images ls`'s output (IMAGE TAG IMAGE ID SIZE). */
export function listImages(o: NodeSelection & { quiet?: boolean }): string {
  const [root] = nodeRootDirs(o);
  const images = new ImageStore({ root: imageStoreRoot(root!) }).list();
  if (o.quiet) return images.map((i) => i.id + '\n').join('');
  return formatTable(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], imageRows(images));
}

/**
 * removeImages is `tskube images rm`: each name removed from each selected node's store ("Deleted: …"); unknown names
 * are errors. An image a container still uses goes from the list, as containerd allows, and a note says its files stay.
 */
export async function removeImages(names: string[], o: NodeSelection): Promise<{ out: string[]; errors: string[]; notes: string[] }> {
  const out: string[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  for (const name of names) {
    let found = false;
    for (const root of nodeRootDirs(o)) {
      const store = new ImageStore({ root: imageStoreRoot(root) });
      const img = store.get(name);
      if (!img) continue;
      found = true;
      const holders = await store.remove(img.id);
      for (const t of img.repoTags.length > 0 ? img.repoTags : [img.id]) out.push(`Deleted: ${t}`);
      if (holders.length > 0) {
        notes.push(`image ${img.repoTags[0] ?? img.id} is in use by container ${holders.join(', ')}: its files stay until ${holders.length > 1 ? 'those containers are' : 'the container is'} removed`);
      }
    }
    if (!found) errors.push(`no such image ${JSON.stringify(displayName(name))} present`);
  }
  return { out: [...new Set(out)], errors, notes };
}

function displayName(name: string): string {
  try {
    const r = parseReference(name);
    return r.tag !== undefined ? `${repositoryName(r)}:${r.tag}` : name;
  } catch {
    return name;
  }
}
