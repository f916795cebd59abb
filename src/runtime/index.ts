/** Container runtimes behind one interface (see types.ts). */
export * from './types.js';
export { ProcessRuntime, type ProcessRuntimeOptions } from './process/process-runtime.js';
export { SimulatedRuntime } from './simulated/simulated-runtime.js';
export { ImageCatalog, normalizeImage, IMAGES_DIR, DEFAULT_CATALOG_FILE } from './image-catalog.js';
export { CriLogWriter, parseCriLine, criTimestamp, DEFAULT_MAX_LOG_BYTES, type CriRecord } from './cri-log.js';
