import type { AuthConfig } from '../runtime/types.js';
import { parseReference, repositoryName } from '../runtime/oci/image/reference.js';

// The kubelet's credential keyring (pkg/credentialprovider): the registries of a pod's
// imagePullSecrets (kubernetes.io/dockerconfigjson's .dockerconfigjson, kubernetes.io/dockercfg's
// .dockercfg), keyed by schemeless URL (host[:port][/path]), matched against an image's repository
// with globs per host label and path prefixes, most specific key first; Docker Hub images fall back
// to index.docker.io's credentials.

/** DOCKER_CONFIG_JSON_KEY and DOCKER_CFG_KEY are the data keys of the two pull secret types. */
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKER_CFG_KEY = '.dockercfg';

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

/** DockerConfigEntry is one registry's entry of a docker config. */
interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** DockerKeyring holds credentials by registry key, sorted most specific first. */
export interface DockerKeyring {
  keys: string[];
  creds: Map<string, AuthConfig[]>;
}

/** emptyKeyring has no credentials. */
export function emptyKeyring(): DockerKeyring {
  return { keys: [], creds: new Map() };
}

/** parseSchemeless splits "https://host:port/path" (scheme optional) into host and path. */
function parseSchemeless(value: string): { host: string; path: string } | undefined {
  const withScheme = /^https?:\/\//.test(value) ? value : `https://${value}`;
  try {
    const u = new URL(withScheme);
    return { host: u.host, path: decodeURIComponent(u.pathname) };
  } catch {
    return undefined;
  }
}

/** registryKey is the keyring's key for a docker config entry's name (scheme stripped, /v1/ and /v2/ dropped). */
export function registryKey(loc: string): string | undefined {
  const u = parseSchemeless(loc);
  if (!u) return undefined;
  let path = u.path;
  if (path.endsWith('/v2/') || path.endsWith('/v1/')) path = path.slice(0, -3);
  path = path.replace(/\/+$/, '');
  return path !== '' && path !== '/' ? u.host + path.replace(/\/+/g, '/') : u.host;
}

/** addDockerConfig adds a docker config's registries to the keyring. */
export function addDockerConfig(keyring: DockerKeyring, cfg: Record<string, DockerConfigEntry>): void {
  for (const [loc, ident] of Object.entries(cfg)) {
    if (!ident || typeof ident !== 'object') continue;
    const key = registryKey(loc);
    if (!key) continue;
    const auth: AuthConfig = { serverAddress: loc };
    let { username, password } = ident;
    if ((username === undefined || username === '') && ident.auth) {
      // the "auth" field is base64 of "user:password"
      const decoded = Buffer.from(ident.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (username !== undefined) auth.username = username;
    if (password !== undefined) auth.password = password;
    if (ident.auth) auth.auth = ident.auth;
    if (ident.identitytoken) auth.identityToken = ident.identitytoken;
    if (ident.registrytoken) auth.registryToken = ident.registrytoken;
    if (!keyring.creds.has(key)) keyring.keys.push(key);
    keyring.creds.set(key, [...(keyring.creds.get(key) ?? []), auth]);
  }
  // as the kubelet: reverse lexical order puts longer (more specific) keys of one host first
  keyring.keys.sort().reverse();
}

/**
 * keyringFromSecretData builds a keyring from pull secrets' decoded data (what the agent's config
 * cache gives): .dockerconfigjson ({"auths": {...}}) or .dockercfg ({...}). Malformed data is skipped,
 * as the kubelet skips a secret it cannot read.
 */
export function keyringFromSecretData(secrets: Record<string, string>[]): DockerKeyring {
  const keyring = emptyKeyring();
  for (const data of secrets) {
    try {
      if (data[DOCKER_CONFIG_JSON_KEY] !== undefined) {
        const parsed = JSON.parse(data[DOCKER_CONFIG_JSON_KEY]) as { auths?: Record<string, DockerConfigEntry> };
        addDockerConfig(keyring, parsed.auths ?? {});
      } else if (data[DOCKER_CFG_KEY] !== undefined) {
        addDockerConfig(keyring, JSON.parse(data[DOCKER_CFG_KEY]) as Record<string, DockerConfigEntry>);
      }
    } catch {
      // not JSON: no credentials from this secret
    }
  }
  return keyring;
}

/** keyringFromSecrets builds a keyring from Secret objects (data base64-encoded, as the API serves them). */
export function keyringFromSecrets(secrets: { type?: string; data?: Record<string, string> }[]): DockerKeyring {
  return keyringFromSecretData(
    secrets.map((s) => Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))),
  );
}

/** globMatch is filepath.Match for one host label: * and ? and [classes]. */
function globMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$').test(s);
  } catch {
    return false;
  }
}

function splitHostPort(host: string): [string, string] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host)!;
  return [m[1]!, m[2] ?? ''];
}

/** urlsMatch reports whether the glob key matches the target: same number of host labels each matching (filepath.Match), same port, path prefix. */
export function urlsMatch(globKey: string, target: string): boolean {
  const split = (s: string): { host: string; path: string } => {
    const v = s.replace(/^https?:\/\//, '');
    const slash = v.indexOf('/');
    return slash < 0 ? { host: v, path: '' } : { host: v.slice(0, slash), path: v.slice(slash) };
  };
  const g = split(globKey);
  const t = split(target);
  const [gHost, gPort] = splitHostPort(g.host);
  const [tHost, tPort] = splitHostPort(t.host);
  if (gPort !== tPort) return false;
  const gParts = gHost.split('.');
  const tParts = tHost.split('.');
  if (gParts.length !== tParts.length) return false;
  for (let i = 0; i < gParts.length; i++) if (!globMatch(gParts[i]!, tParts[i]!)) return false;
  return t.path.startsWith(g.path);
}

/** isDefaultRegistryMatch reports whether an image (repository) is on Docker Hub, as the kubelet decides it. */
function isDefaultRegistryMatch(image: string): boolean {
  const [first, rest] = [image.split('/')[0]!, image.includes('/')];
  if (first === '') return false;
  if (!rest) return true;
  if (first === 'docker.io' || first === DEFAULT_REGISTRY_HOST) return true;
  return !/[.:]/.test(first);
}

/**
 * credentialsFor lists the credentials to try for an image, most specific key first; Docker Hub
 * images with no matching key get index.docker.io's ("https://index.docker.io/v1/", "docker.io").
 */
export function credentialsFor(image: string, keyring: DockerKeyring): AuthConfig[] {
  let repo: string;
  try {
    repo = repositoryName(parseReference(image));
  } catch {
    repo = image;
  }
  const out: AuthConfig[] = [];
  for (const key of keyring.keys) if (urlsMatch(key, repo)) out.push(...keyring.creds.get(key)!);
  if (out.length > 0) return out;
  if (isDefaultRegistryMatch(repo)) return keyring.creds.get(DEFAULT_REGISTRY_HOST) ?? keyring.creds.get('docker.io') ?? [];
  return [];
}

/** credentialsFromPullSecrets is the agent's CredentialsLookup: an image's credentials among its pod's pull secrets' data. */
export function credentialsFromPullSecrets(image: string, pullSecrets: Record<string, string>[]): AuthConfig[] {
  return credentialsFor(image, keyringFromSecretData(pullSecrets));
}
