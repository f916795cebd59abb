import type { AuthConfig } from '../../types.js';

// The image store's public types. An image is identified by its config's digest (its id), known by
// repo tags ("docker.io/library/busybox:latest") and repo digests ("docker.io/library/busybox@sha256:…",
// the manifest it was pulled or imported by).

/** ImageConfigSummary is the part of an image's config that running a container needs. */
export interface ImageConfigSummary {
  /** config.Entrypoint ([] when none) */
  entrypoint: string[];
  /** config.Cmd ([] when none) */
  cmd: string[];
  /** config.Env as a map (later entries win) */
  env: Record<string, string>;
  workingDir?: string;
  /** the raw USER ("1000", "1000:1000", "nginx", "nginx:www") */
  user?: string;
  /** config.ExposedPorts' keys ("80/tcp") */
  exposedPorts?: string[];
}

/** StoredImage is one image in the store. */
export interface StoredImage {
  /** the config's digest ("sha256:…") */
  id: string;
  /** fully qualified name:tag it is known by */
  repoTags: string[];
  /** fully qualified name@digest of its manifest */
  repoDigests: string[];
  /** bytes: config + layer blobs as stored (compressed as pulled) */
  size: number;
  config: ImageConfigSummary;
  /** its layers' blob digests, bottom first */
  layers: string[];
  /** the manifest's digest */
  manifestDigest: string;
  /** os/architecture from the config */
  platform?: { os: string; architecture: string };
  /** when it was last pulled or used (RFC 3339), for garbage collection */
  lastUsed: string;
}

/** FsInfo is the filesystem the store lives on. */
export interface FsInfo {
  /** bytes the store's blobs and unpacked root filesystems take */
  usedBytes: number;
  capacityBytes: number;
  availableBytes: number;
}

/** GarbageCollectOptions are the kubelet's image GC thresholds, and the images containers use. */
export interface GarbageCollectOptions {
  /** collect when the filesystem is fuller than this (the kubelet's imageGCHighThresholdPercent, 85) */
  highThresholdPercent: number;
  /** collect down to this (imageGCLowThresholdPercent, 80) */
  lowThresholdPercent: number;
  /** ids or names of images that must stay (used by containers) */
  inUse: Set<string>;
  /** images used more recently than this are kept (the kubelet's imageMinimumGCAge; default 2 minutes) */
  minAgeMs?: number;
}

export type { AuthConfig };
