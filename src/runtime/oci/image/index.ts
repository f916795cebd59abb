// The oci runtime's image store: references, the distribution client, the content store, unpacking,
// and the CRI ImageService over it.
export * from './types.js';
export * from './reference.js';
export * from './registries.js';
export { ImageStore, imageStoreRoot, configSummary, type ImageStoreOptions } from './store.js';
export { OciImageService, imageInfoOf, imageRefFor, toImageRecord } from './image-service.js';
export { RegistryError, NotFoundError, DigestMismatchError, type Descriptor } from './distribution.js';
export { nodePlatform, selectManifest } from './platform.js';
