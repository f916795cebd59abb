import type { Descriptor } from './distribution.js';

// Choosing the manifest for this node from a manifest list or OCI index, as containerd's
// platforms.Default() matcher does: linux, the node's architecture (Go's names: x64 → amd64),
// and for ARM the variant (arm64 is v8, arm is v7 unless told).

/** nodePlatform is this machine's platform in image terms. */
export function nodePlatform(arch: string = process.arch): { os: string; architecture: string; variant?: string } {
  switch (arch) {
    case 'x64':
      return { os: 'linux', architecture: 'amd64' };
    case 'ia32':
      return { os: 'linux', architecture: '386' };
    case 'arm64':
      return { os: 'linux', architecture: 'arm64', variant: 'v8' };
    case 'arm':
      return { os: 'linux', architecture: 'arm', variant: 'v7' };
    case 'ppc64':
      return { os: 'linux', architecture: 'ppc64le' };
    default:
      return { os: 'linux', architecture: arch };
  }
}

/** selectManifest picks the index entry for the platform (exact variant first, then any variant); undefined when none fits. */
export function selectManifest(manifests: Descriptor[], platform = nodePlatform()): Descriptor | undefined {
  const candidates = manifests.filter((m) => m.platform && m.platform.os === platform.os && m.platform.architecture === platform.architecture);
  const norm = (v: string | undefined): string | undefined => (platform.architecture === 'arm64' && v === undefined ? 'v8' : v);
  return candidates.find((m) => norm(m.platform!.variant) === platform.variant) ?? candidates[0];
}
