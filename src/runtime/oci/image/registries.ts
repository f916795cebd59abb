import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AuthConfig } from '../../types.js';
import { DOCKER_HUB, DOCKER_HUB_API, type Reference } from './reference.js';

// The node's registry configuration, in k3s's registries.yaml format: mirrors (endpoints tried in
// order before the registry itself, with optional repository rewrites; "*" for every registry),
// and per-host configs (credentials, TLS). An endpoint written http://… is reached over plain HTTP.

/** RegistryHostConfig is configs.<host>: credentials and TLS for one registry or mirror host. */
export interface RegistryHostConfig {
  auth?: AuthConfig;
  tls?: { insecureSkipVerify?: boolean; caFile?: string; certFile?: string; keyFile?: string };
}

/** RegistriesConfig is a parsed registries.yaml. */
export interface RegistriesConfig {
  mirrors: Record<string, { endpoints: string[]; rewrite: [RegExp, string][] }>;
  configs: Record<string, RegistryHostConfig>;
}

/** Endpoint is one place to fetch a repository from. */
export interface Endpoint {
  /** scheme://host[:port][/prefix], without /v2 */
  base: string;
  /** host[:port] (the key of configs) */
  host: string;
  /** the repository path to ask this endpoint for (mirrors may rewrite it) */
  path: string;
  /** credentials from the configuration file for this host */
  auth?: AuthConfig;
  tls: { insecureSkipVerify: boolean; caFile?: string; certFile?: string; keyFile?: string };
  mirror: boolean;
}

/** emptyRegistriesConfig has no mirrors and no configs. */
export function emptyRegistriesConfig(): RegistriesConfig {
  return { mirrors: {}, configs: {} };
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** parseRegistriesConfig parses registries.yaml text; throws on a malformed file. */
export function parseRegistriesConfig(text: string): RegistriesConfig {
  const raw = obj(parse(text));
  const config = emptyRegistriesConfig();
  for (const [host, m] of Object.entries(obj(raw.mirrors))) {
    const endpoint = obj(m).endpoint;
    const endpoints = Array.isArray(endpoint) ? endpoint.filter((e): e is string => typeof e === 'string') : [];
    const rewrite = Object.entries(obj(obj(m).rewrite)).map(([re, to]): [RegExp, string] => [new RegExp(re), String(to)]);
    config.mirrors[host] = { endpoints, rewrite };
  }
  for (const [host, c] of Object.entries(obj(raw.configs))) {
    const a = obj(obj(c).auth);
    const t = obj(obj(c).tls);
    const entry: RegistryHostConfig = {};
    if (Object.keys(a).length > 0) {
      entry.auth = {
        ...(str(a.username) !== undefined ? { username: str(a.username) } : {}),
        ...(str(a.password) !== undefined ? { password: str(a.password) } : {}),
        ...(str(a.auth) !== undefined ? { auth: str(a.auth) } : {}),
        ...(str(a.token) !== undefined ? { registryToken: str(a.token) } : {}),
        ...(str(a.identity_token) !== undefined ? { identityToken: str(a.identity_token) } : {}),
      };
    }
    if (Object.keys(t).length > 0) {
      entry.tls = {
        insecureSkipVerify: t.insecure_skip_verify === true,
        ...(str(t.ca_file) ? { caFile: str(t.ca_file) } : {}),
        ...(str(t.cert_file) ? { certFile: str(t.cert_file) } : {}),
        ...(str(t.key_file) ? { keyFile: str(t.key_file) } : {}),
      };
    }
    config.configs[host] = entry;
  }
  return config;
}

/** loadRegistriesConfig reads a registries.yaml; an absent file is an empty configuration. */
export function loadRegistriesConfig(file: string | undefined): RegistriesConfig {
  if (!file) return emptyRegistriesConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistriesConfig();
    throw err;
  }
  return parseRegistriesConfig(text);
}

/** isLoopbackHost reports whether host[:port] is localhost or in 127.0.0.0/8 (or ::1): reached over plain HTTP by default, as Docker does. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '::1';
}

/**
 * endpointsFor lists where to fetch ref from, in order: the mirrors configured for its registry
 * (or for "*"), then the registry itself (Docker Hub's API host for docker.io).
 */
export function endpointsFor(ref: Reference, config: RegistriesConfig): Endpoint[] {
  const out: Endpoint[] = [];
  const mirror = config.mirrors[ref.domain] ?? config.mirrors['*'];
  for (const e of mirror?.endpoints ?? []) {
    const url = new URL(/^[a-z]+:\/\//.test(e) ? e : `https://${e}`);
    let path = ref.path;
    for (const [re, to] of mirror!.rewrite) {
      if (re.test(path)) {
        path = path.replace(re, to);
        break;
      }
    }
    const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '').replace(/\/v2$/, '')}`;
    out.push(endpoint(base, url.host, path, config, url.host === ref.domain || (ref.domain === DOCKER_HUB && url.host === DOCKER_HUB_API) ? false : true));
  }
  const host = ref.domain === DOCKER_HUB ? DOCKER_HUB_API : ref.domain;
  const selfListed = out.some((e) => e.host === host && !e.mirror);
  if (!selfListed) out.push(endpoint(`${isLoopbackHost(host) ? 'http' : 'https'}://${host}`, host, ref.path, config, false));
  return out;
}

function endpoint(base: string, host: string, path: string, config: RegistriesConfig, mirror: boolean): Endpoint {
  const hc = config.configs[host] ?? (host === DOCKER_HUB_API ? config.configs[DOCKER_HUB] : undefined);
  return {
    base,
    host,
    path,
    ...(hc?.auth ? { auth: hc.auth } : {}),
    tls: { insecureSkipVerify: hc?.tls?.insecureSkipVerify ?? false, ...(hc?.tls?.caFile ? { caFile: hc.tls.caFile } : {}), ...(hc?.tls?.certFile ? { certFile: hc.tls.certFile } : {}), ...(hc?.tls?.keyFile ? { keyFile: hc.tls.keyFile } : {}) },
    mirror,
  };
}
