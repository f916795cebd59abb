import { writeFile } from 'node:fs/promises';
import { tarOf, type TarEntry, type TestImage } from './image-builder.js';

// The two tarball formats users bring to air-gapped machines: `docker save`'s (manifest.json,
// <config>.json, <id>/layer.tar) and an OCI image layout (oci-layout, index.json, blobs/sha256/…).

function hex(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** writeDockerSaveTar writes image as `docker save repoTag` does (uncompressed layers, classic format). */
export async function writeDockerSaveTar(image: TestImage, file: string, repoTag: string): Promise<void> {
  const entries: TarEntry[] = [{ name: `${hex(image.config.digest)}.json`, content: image.config.data }];
  const layerPaths: string[] = [];
  for (const layer of image.layers) {
    const id = hex(layer.diffId);
    entries.push({ name: id, type: 'directory' }, { name: `${id}/VERSION`, content: '1.0' }, { name: `${id}/layer.tar`, content: layer.tar });
    layerPaths.push(`${id}/layer.tar`);
  }
  entries.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `${hex(image.config.digest)}.json`, RepoTags: [repoTag], Layers: layerPaths }]) });
  const colon = repoTag.lastIndexOf(':');
  entries.push({ name: 'repositories', content: JSON.stringify({ [repoTag.slice(0, colon)]: { [repoTag.slice(colon + 1)]: hex(image.layers.at(-1)!.diffId) } }) });
  await writeFile(file, await tarOf(entries));
}

/** writeOciLayoutTar writes image as an OCI image layout tarball, its index naming repoTag (as `docker save` ≥ 25 and buildx do). */
export async function writeOciLayoutTar(image: TestImage, file: string, repoTag: string): Promise<void> {
  const blobs = [image.config, ...image.layers, image.manifest];
  const entries: TarEntry[] = [
    { name: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'blobs', type: 'directory' },
    { name: 'blobs/sha256', type: 'directory' },
    ...blobs.map((b): TarEntry => ({ name: `blobs/sha256/${hex(b.digest)}`, content: b.data })),
    {
      name: 'index.json',
      content: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: image.manifest.mediaType,
            digest: image.manifest.digest,
            size: image.manifest.data.length,
            annotations: { 'io.containerd.image.name': repoTag, 'org.opencontainers.image.ref.name': repoTag.slice(repoTag.lastIndexOf(':') + 1) },
          },
        ],
      }),
    },
  ];
  await writeFile(file, await tarOf(entries));
}
