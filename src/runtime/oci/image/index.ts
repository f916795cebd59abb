// The oci runtime's image store: references, the distribution client, the content store and unpacking.
// API (landing in this order): ImageStore (store.ts) { constructor({ root, registriesFile?, clock? });
// pull(ref, auth?); get(ref); list(); remove(ref); importTar(file); rootfsOf(image); garbageCollect(o);
// fsInfo() }, OciImageService (image-service.ts) implements ImageService over it, imageInfoOf(image).
export * from './types.js';
export * from './reference.js';
