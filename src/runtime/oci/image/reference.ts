// Image references as Docker and containerd read them (github.com/distribution/reference): an
// optional registry host, a repository path, a tag and/or a digest; Docker Hub's short names are
// normalized ("nginx" → "docker.io/library/nginx:latest").

/** DOCKER_HUB is the registry a name without a host refers to. */
export const DOCKER_HUB = 'docker.io';
/** DOCKER_HUB_API is the host Docker Hub's API is served from. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

/** Reference is a parsed, normalized image reference. */
export interface Reference {
  /** registry host[:port] ("docker.io", "127.0.0.1:5000") */
  domain: string;
  /** repository path ("library/nginx") */
  path: string;
  /** tag; "latest" when neither tag nor digest was given */
  tag?: string;
  /** "sha256:<64 hex>" */
  digest?: string;
}

/** InvalidReferenceError is a reference that does not parse. */
export class InvalidReferenceError extends Error {}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

/** parseReference parses and normalizes a reference; throws InvalidReferenceError. */
export function parseReference(ref: string): Reference {
  let rest = ref.trim();
  if (rest === '') throw new InvalidReferenceError('invalid reference format: empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError(`invalid reference format: invalid digest "${digest}"`);
    if (digest.startsWith('sha256:') && !SHA256.test(digest)) throw new InvalidReferenceError(`invalid reference format: invalid checksum digest format "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(`invalid reference format: invalid tag "${tag}"`);
  }
  let domain = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // As Docker: the first component is a registry when it has a dot or a port, or is localhost (or has capitals).
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) throw new InvalidReferenceError(`invalid reference format: invalid registry "${first}"`);
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (path !== path.toLowerCase()) throw new InvalidReferenceError('invalid reference format: repository name must be lowercase');
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) throw new InvalidReferenceError(`invalid reference format: "${ref}"`);
  }
  if (domain.length + 1 + path.length > 255) throw new InvalidReferenceError('invalid reference format: repository name must not be more than 255 characters');
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** repositoryName is "domain/path". */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** formatReference is the fully qualified string: name[:tag][@digest]. */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** normalizeReference is formatReference(parseReference(ref)): "nginx" → "docker.io/library/nginx:latest". */
export function normalizeReference(ref: string): string {
  return formatReference(parseReference(ref));
}

/** familiarName is how Docker shows a name: docker.io/library/ dropped ("docker.io/library/nginx:1" → "nginx:1"). */
export function familiarName(name: string): string {
  if (name.startsWith('docker.io/library/')) return name.slice('docker.io/library/'.length);
  if (name.startsWith('docker.io/')) return name.slice('docker.io/'.length);
  return name;
}

/** isDigest reports whether s is "sha256:<64 hex>". */
export function isDigest(s: string): boolean {
  return SHA256.test(s);
}
