/**
 * OpenAPI documents served by the API server:
 * - GET /openapi/v3            → openapiV3Index(defs)   (JSON; lists one document per group/version)
 * - GET /openapi/v3/api/v1, /openapi/v3/apis/GROUP/VERSION → openapiV3Document(group, version, defs)
 *   (body as is, Content-Type application/json, ETag "<hash>"; with ?hash=<hash> matching, it may be
 *   cached forever: Cache-Control public, immutable)
 * - GET /openapi/v2            → openapiV2Document(defs) (JSON Swagger 2.0), or, when Accept names
 *   OPENAPI_V2_PROTOBUF (kubectl always does), openapiV2Protobuf(defs) with Content-Type
 *   OPENAPI_V2_PROTOBUF_CONTENT_TYPE (application/octet-stream, as Kubernetes answers)
 * Documents are built on first request and cached per ResourceDefinition[] (startup pays nothing),
 * each once and in one form: v3 as its JSON text (escaped to ASCII, see asciiJSON), v2 protobuf as
 * its bytes without the object it was encoded from (kubectl asks only for that one), v2 JSON as
 * the object.
 */
import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../../api/resource.js';
import { definitionNameForKind, referencedDefinitions } from '../../api/schema/index.js';
import { definitionSchemas, type OpenAPIDialect } from './schemas.js';
import { resourcePaths } from './paths.js';
import { KUBERNETES_VERSION } from '../discovery.js';
import { encodeOpenAPIV2Protobuf, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './protobuf-v2.js';

export { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE };

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const COMMON_DEFINITIONS = [`${META}Status`, `${META}DeleteOptions`, `${META}WatchEvent`, `${META}Patch`, `${META}APIResourceList`];
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

/** OpenAPIV3Document is a built group/version document: its JSON text and the hash clients cache it by. */
export interface OpenAPIV3Document { body: string; hash: string }

const v3Cache = new WeakMap<ResourceDefinition[], Map<string, OpenAPIV3Document | undefined>>();
const v2Cache = new WeakMap<ResourceDefinition[], object>();
const v2ProtoCache = new WeakMap<ResourceDefinition[], Buffer>();

/** gvPath is the index key of a group/version: 'api/v1' or 'apis/apps/v1'. */
export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function servedGroupVersions(defs: ResourceDefinition[]): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const d of defs) seen.set(gvPath(d.group, d.version), { group: d.group, version: d.version });
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, gv]) => gv);
}

/** buildDocument assembles definitions and paths for some resources in one dialect. */
function buildDocument(resources: ResourceDefinition[], dialect: OpenAPIDialect): { paths: Record<string, unknown>; schemas: Record<string, unknown> } {
  const roots = new Set(COMMON_DEFINITIONS);
  const paths: Record<string, unknown> = {};
  // Custom resources bring their own definitions (built from their CRD's schema).
  const custom: Record<string, unknown> = {};
  for (const d of [...resources].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const own = d.customResource?.openapi(dialect);
    if (own) {
      Object.assign(custom, own.schemas);
      roots.add(`${META}ObjectMeta`);
      roots.add(`${META}ListMeta`);
    }
    const kind = own?.kind ?? definitionNameForKind(d.group, d.version, d.kind);
    if (!kind) continue;
    const list = own?.list ?? definitionNameForKind(d.group, d.version, `${d.kind}List`) ?? kind;
    if (!own) {
      roots.add(kind);
      roots.add(list);
    }
    const scale = d.subresources.includes('scale') ? SCALE : undefined;
    if (scale) roots.add(scale);
    Object.assign(paths, resourcePaths(d, { kind, list, scale }, dialect));
  }
  const schemas: Record<string, unknown> = { ...definitionSchemas(referencedDefinitions(roots), dialect), ...custom };
  return { paths, schemas: Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]])) };
}

/** openapiV3Document is the OpenAPI v3 document of one group/version ('' group for core), or undefined if not served. */
export function openapiV3Document(group: string, version: string, defs: ResourceDefinition[]): OpenAPIV3Document | undefined {
  let cache = v3Cache.get(defs);
  if (!cache) v3Cache.set(defs, (cache = new Map()));
  const key = gvPath(group, version);
  if (cache.has(key)) return cache.get(key);
  const resources = defs.filter((d) => d.group === group && d.version === version);
  let doc: OpenAPIV3Document | undefined;
  if (resources.length) {
    const { paths, schemas } = buildDocument(resources, 'v3');
    const body = asciiJSON({
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion },
      paths,
      components: {
        schemas,
        securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
      },
    });
    doc = { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
  }
  cache.set(key, doc);
  return doc;
}

/**
 * asciiJSON is JSON.stringify with every non-ASCII character escaped (\uXXXX, the same JSON to any
 * parser). A few descriptions carry typographic quotes (the CSI volume plugin’s ...), and one such
 * character makes V8 store the whole text two bytes per character: the core/v1 document (0.55 M
 * characters) would keep 1.1 MB instead of 0.55 MB for the life of the server.
 */
export function asciiJSON(value: unknown): string {
  const json = JSON.stringify(value);
  const escaped = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // replace() builds a two-byte string out of a two-byte one even when every character it keeps
  // is ASCII; a latin1 round trip gives the one-byte string.
  return escaped === json ? json : Buffer.from(escaped, 'latin1').toString('latin1');
}

/** openapiV3Index is the body of GET /openapi/v3: each served group/version's document URL with its hash. */
export function openapiV3Index(defs: ResourceDefinition[]): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of servedGroupVersions(defs)) {
    const doc = openapiV3Document(group, version, defs);
    if (doc) paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${doc.hash}` };
  }
  return { paths };
}

/** openapiV2Document is the body of GET /openapi/v2 (Swagger 2.0 JSON over every served resource). */
export function openapiV2Document(defs: ResourceDefinition[]): object {
  const cached = v2Cache.get(defs);
  if (cached) return cached;
  const doc = buildV2Document(defs);
  v2Cache.set(defs, doc);
  return doc;
}

/** buildV2Document assembles the Swagger 2.0 document (not cached: see openapiV2Document). */
function buildV2Document(defs: ResourceDefinition[]): object {
  const { paths, schemas } = buildDocument(defs, 'v2');
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion },
    paths,
    definitions: schemas,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

/** openapiV2Protobuf is /openapi/v2 as gnostic protobuf (info and definitions only), cached. */
export function openapiV2Protobuf(defs: ResourceDefinition[]): Buffer {
  let b = v2ProtoCache.get(defs);
  if (!b) {
    // The object is dropped once encoded (~1.2 MB for every resource): kubectl only asks for the bytes.
    b = encodeOpenAPIV2Protobuf((v2Cache.get(defs) ?? buildV2Document(defs)) as Parameters<typeof encodeOpenAPIV2Protobuf>[0]);
    v2ProtoCache.set(defs, b);
  }
  return b;
}
