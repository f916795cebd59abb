// Test fixtures for images: a local registry, busybox images built in memory, pushing, tarballs.
export * from './image-builder.js';
export * from './registry.js';
export * from './push.js';
export * from './tarballs.js';
