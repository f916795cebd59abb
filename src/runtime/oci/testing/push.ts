import type { Blob, TestImage } from './image-builder.js';
import { indexOf } from './image-builder.js';

// Pushing test images through the distribution API v2, as `docker push` does: each blob by a
// monolithic upload (POST, then PUT with the digest), then the manifest under its tag.

/** PushAuth is the basic-auth user of a registry started with htpasswd. */
export interface PushAuth {
  username: string;
  password: string;
}

/** splitRepoRef splits "repo:tag" (or "repo@sha256:…") into repository and reference. */
function splitRepoRef(ref: string): { repo: string; reference: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), reference: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), reference: ref.slice(colon + 1) };
  return { repo: ref, reference: 'latest' };
}

function headersFor(auth?: PushAuth): Record<string, string> {
  return auth ? { authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } : {};
}

/** pushBlob uploads one blob unless the registry has it already. */
export async function pushBlob(host: string, repo: string, blob: { digest: string; data: Buffer }, auth?: PushAuth): Promise<void> {
  const base = `http://${host}/v2/${repo}`;
  const head = await fetch(`${base}/blobs/${blob.digest}`, { method: 'HEAD', headers: headersFor(auth) });
  if (head.status === 200) return;
  const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers: headersFor(auth) });
  await start.arrayBuffer();
  if (start.status !== 202) throw new Error(`blob upload to ${host}/${repo}: ${start.status} ${start.statusText}`);
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', blob.digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...headersFor(auth), 'content-type': 'application/octet-stream', 'content-length': String(blob.data.length) },
    body: new Uint8Array(blob.data),
  });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`blob ${blob.digest} to ${host}/${repo}: ${put.status} ${text}`);
}

/** pushManifest puts a manifest (or index) under a tag or its digest. */
export async function pushManifest(host: string, repo: string, reference: string, manifest: Blob, auth?: PushAuth): Promise<void> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...headersFor(auth), 'content-type': manifest.mediaType },
    body: new Uint8Array(manifest.data),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`manifest ${repo}:${reference} to ${host}: ${res.status} ${text}`);
}

/** pushImage pushes an image's layers, config and manifest as "repo:tag"; resolves with the manifest digest. */
export async function pushImage(host: string, repoTag: string, image: TestImage, auth?: PushAuth): Promise<string> {
  const { repo, reference } = splitRepoRef(repoTag);
  for (const layer of image.layers) await pushBlob(host, repo, layer, auth);
  await pushBlob(host, repo, image.config, auth);
  await pushManifest(host, repo, reference, image.manifest, auth);
  return image.manifest.digest;
}

/**
 * pushIndex pushes each image by digest, then an OCI index (or Docker manifest list) over them as
 * "repo:tag"; resolves with the index's digest.
 */
export async function pushIndex(host: string, repoTag: string, images: TestImage[], opts: { auth?: PushAuth; format?: 'oci' | 'docker' } = {}): Promise<string> {
  const { repo, reference } = splitRepoRef(repoTag);
  for (const image of images) await pushImage(host, `${repo}@${image.manifest.digest}`, image, opts.auth);
  const index = indexOf(images, opts.format ?? 'oci');
  await pushManifest(host, repo, reference, index, opts.auth);
  return index.digest;
}
