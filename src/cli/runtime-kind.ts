/**
 * The container runtimes a node agent can drive (`--runtime`): process (the host's programs in Linux
 * namespaces, tskube's default: no images, no engine), simulated (no processes, KWOK-like), oci
 * (images from registries run with runc) and cri (containerd over the CRI). A module of its own so
 * that checking the flag does not load the runtimes (`tskube up` runs them on the components' thread).
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';

/** RUNTIME_KINDS are the values of --runtime. */
export const RUNTIME_KINDS = ['process', 'simulated', 'oci', 'cri'] as const;
export type RuntimeKind = typeof RUNTIME_KINDS[number];

/** parseRuntimeKind checks a --runtime value. */
export function parseRuntimeKind(v: string, allowed: readonly RuntimeKind[] = RUNTIME_KINDS): RuntimeKind {
  if ((allowed as readonly string[]).includes(v)) return v as RuntimeKind;
  throw new Error(`--runtime must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
}

/**
 * imageCatalogFiles resolves --images files to absolute paths, refusing up front one that cannot be
 * read (rather than failing when the runtime loads it).
 */
export function imageCatalogFiles(files: string[] | undefined): string[] {
  return (files ?? []).map((f) => {
    const p = resolve(f);
    try { accessSync(p, constants.R_OK); } catch { throw new Error(`--images ${f}: cannot read ${p}`); }
    return p;
  });
}
