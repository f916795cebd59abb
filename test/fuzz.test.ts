// Fuzz: every manifest in test/fixtures and examples/, and a manifest of every served kind, mutated
// (types flipped, nulls, removed and unknown fields, huge strings, deep nesting, truncated JSON,
// wrong content types, arrays for objects and back) and sent by POST, PUT and the three PATCH
// types to an in-process API server. Bad input must get a 4xx Kubernetes Status, never a 5xx, and
// the server must still answer afterwards. Deterministic: a seeded PRNG (TSKUBE_FUZZ_SEED=n to vary).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { startTestCluster, type TestCluster } from '../src/testing/test-cluster.js';
import { allResources, findByKind } from '../src/api/registry.js';
import type { ResourceDefinition } from '../src/api/resource.js';
import { builtInManifests } from './fuzz-manifests.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEED = Number(process.env.TSKUBE_FUZZ_SEED ?? 20241127);
/** TOTAL_REQUESTS bounds the run (a few thousand: well under a minute in-process). */
const TOTAL_REQUESTS = Number(process.env.TSKUBE_FUZZ_REQUESTS ?? 3000);
const NS = 'fuzz';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
type Path = (string | number)[];

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  constructor(readonly next: () => number) {}
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  chance(p: number): boolean { return this.next() < p; }
}

// ---------------------------------------------------------------- manifests

/** manifestFiles lists YAML/JSON files under a directory, recursively. */
function manifestFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return manifestFiles(p);
    return /\.(ya?ml|json)$/.test(n) ? [p] : [];
  });
}

interface Manifest { source: string; def: ResourceDefinition; obj: JsonObject }

/** served resolves apiVersion/kind to the served definition, or undefined for kinds tskube does not serve. */
function served(obj: JsonObject): ResourceDefinition | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  return findByKind(group, version, obj.kind);
}

function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of [...manifestFiles(join(ROOT, 'test/fixtures')), ...manifestFiles(join(ROOT, 'examples'))]) {
    let docs: unknown[];
    try {
      docs = YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON());
    } catch {
      continue; // not a manifest (or deliberately broken): the fuzzer makes its own broken ones
    }
    const flat = docs.flatMap((d) => (isObject(d) && d.kind === 'List' && Array.isArray(d.items) ? d.items : [d]));
    flat.forEach((d, i) => {
      if (!isObject(d)) return;
      const def = served(d as JsonObject);
      if (def) out.push({ source: `${file.slice(ROOT.length)}#${i}`, def, obj: d as JsonObject });
    });
  }
  for (const m of builtInManifests) {
    const def = served(m as JsonObject);
    if (!def) throw new Error(`built-in fuzz manifest of an unserved kind: ${m.apiVersion}/${m.kind}`);
    out.push({ source: `built-in ${m.apiVersion} ${m.kind}`, def, obj: m as JsonObject });
  }
  return out;
}

/** nameless: an access review's metadata must be empty (its validation says so): it is never stored. */
function nameless(def: ResourceDefinition): boolean {
  return def.group === 'authorization.k8s.io';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- mutations

/** paths lists every node of a JSON value (the root excluded), down to a sane depth. */
function paths(v: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 64) return out;
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) { out.push([...prefix, k]); paths(x as Json, [...prefix, k], out); }
  return out;
}

function getAt(v: Json, p: Path): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[k];
  }
  return cur;
}

function setAt(v: Json, p: Path, value: Json | undefined): void {
  const parent = getAt(v, p.slice(0, -1));
  if (parent === null || typeof parent !== 'object' || parent === undefined) return;
  const k = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(k as number, 1);
    else delete (parent as JsonObject)[k as string];
  } else {
    (parent as Record<string | number, Json>)[k] = value;
  }
}

// JSON.stringify cannot write 10,000 levels (it recurses), so deep values travel as a marker
// string that serialize() expands into the nested text.
const DEEP_MARKER = /"\\u0001deep(\d+)([oa])\\u0001"/g;
function deepNest(levels: number, inArray: boolean): Json {
  return `\u0001deep${levels}${inArray ? 'a' : 'o'}\u0001`;
}

/** serialize writes a body as JSON, expanding deep-nesting markers. */
function serialize(v: Json): string {
  return JSON.stringify(v).replace(DEEP_MARKER, (_, n: string, t: string) => {
    const levels = Number(n);
    return t === 'a' ? '['.repeat(levels) + '"bottom"' + ']'.repeat(levels) : '{"a":'.repeat(levels) + '"bottom"' + '}'.repeat(levels);
  });
}

const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a/b', 'a~1b', '', ' ', 'x'.repeat(300), 'ключ', '$patch', 'kubernetes.io/x'];
const ODD_STRINGS = ['', ' ', '-', '0', '1.5', 'true', 'null', '\u0000', '\uFFFF', '💥'.repeat(20), '../../etc/passwd', 'a'.repeat(254), 'A_B', '${x}', '%zz', '1e999', 'NaN', '-1', '2147483648', '9999999999999999999999', '100m', '1Gi', '1.5.5', 'key=value', '!', ','];

/** randomValue returns a value of a random JSON type (the odd ones included). */
function randomValue(r: Rand): Json {
  switch (r.int(14)) {
    case 0: return null;
    case 1: return r.pick([true, false]);
    case 2: return r.pick([0, -1, 1, 1.5, -0.5, 2147483648, -2147483649, 9007199254740993, 1e308, -1e308, 1e-9]);
    case 3: case 4: return r.pick(ODD_STRINGS);
    case 5: return {};
    case 6: return [];
    case 7: return [null];
    case 8: return { [r.pick(ODD_KEYS)]: r.pick(ODD_STRINGS) };
    case 9: return [r.pick(ODD_STRINGS), 1, null, {}];
    case 10: return [{ name: r.pick(ODD_STRINGS) }, null];
    case 11: return { name: 1, key: null, value: [], operator: {} };
    case 12: return 'x'.repeat(r.pick([1000, 70_000]));
    default: return { a: { b: { c: [null, 1, 'x'] } } };
  }
}

/** flipType replaces v by a value of another JSON type, as a client with a wrong model would send. */
function flipType(r: Rand, v: Json): Json {
  if (typeof v === 'string') return r.pick<Json>([1, true, null, [v], { value: v }, -1]);
  if (typeof v === 'number') return r.pick<Json>([String(v), true, null, [v], { v }, v + 0.5]);
  if (typeof v === 'boolean') return r.pick<Json>(['true', 1, null, [v], {}]);
  if (Array.isArray(v)) return r.pick<Json>([{ ...Object.fromEntries(v.map((x, i) => [String(i), x])) }, v[0] ?? null, 'list', 0, null]);
  if (isObject(v)) return r.pick<Json>([[v], Object.values(v) as Json[], 'object', 1, false, null]);
  return r.pick<Json>(['', 0, {}, []]);
}

/** opposite is a value of the other shape: an object for a list, a list for an object, a number for a string... */
function opposite(v: Json): Json {
  if (Array.isArray(v)) return { 0: v[0] ?? null };
  if (isObject(v)) return [v];
  if (typeof v === 'string') return 1;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return 'true';
  return {};
}

/** mutate applies one random mutation to obj (in place) and returns its description. */
function mutate(r: Rand, obj: JsonObject): string {
  const all = paths(obj);
  if (all.length === 0) return 'none';
  const p = r.pick(all);
  const at = getAt(obj, p) as Json;
  const where = p.join('.');
  switch (r.int(13)) {
    case 0: setAt(obj, p, null); return `null at ${where}`;
    case 1: case 2: setAt(obj, p, flipType(r, at)); return `type flip at ${where}`;
    case 3: setAt(obj, p, undefined); return `removed ${where}`;
    case 4: {
      const objs = all.filter((q) => isObject(getAt(obj, q)));
      const target = objs.length ? (getAt(obj, r.pick(objs)) as JsonObject) : obj;
      const key = r.chance(0.5) ? r.pick(ODD_KEYS) : `fuzz${r.int(1000)}`;
      target[key] = randomValue(r);
      return `unknown field ${JSON.stringify(key)}`;
    }
    case 5: {
      const lists = all.filter((q) => Array.isArray(getAt(obj, q)));
      if (!lists.length) { setAt(obj, p, [null]); return `[null] at ${where}`; }
      const q = r.pick(lists);
      const list = getAt(obj, q) as Json[];
      list.splice(r.int(list.length + 1), 0, r.chance(0.7) ? null : randomValue(r));
      return `null/odd element in list ${q.join('.')}`;
    }
    case 6: setAt(obj, p, [at]); return `array instead of ${where}`;
    case 7: {
      const lists = all.filter((q) => Array.isArray(getAt(obj, q)));
      if (!lists.length) { setAt(obj, p, {}); return `object at ${where}`; }
      const q = r.pick(lists);
      setAt(obj, q, r.chance(0.5) ? ((getAt(obj, q) as Json[])[0] ?? {}) : { items: getAt(obj, q) as Json[] });
      return `object instead of list ${q.join('.')}`;
    }
    case 8: setAt(obj, p, 'x'.repeat(r.pick([64 * 1024, 256 * 1024, 1024 * 1024]))); return `huge string at ${where}`;
    case 9: setAt(obj, p, deepNest(r.pick([100, 10_000]), r.chance(0.5))); return `deep nesting at ${where}`;
    case 10: setAt(obj, p, randomValue(r)); return `random value at ${where}`;
    case 11: {
      // metadata is read by every layer: labels, annotations, ownerReferences, finalizers, names
      const meta = (isObject(obj.metadata) ? obj.metadata : (obj.metadata = {})) as JsonObject;
      const field = r.pick(['labels', 'annotations', 'ownerReferences', 'finalizers', 'name', 'generateName', 'namespace', 'resourceVersion', 'uid', 'creationTimestamp', 'deletionTimestamp', 'managedFields', 'generation']);
      meta[field] = r.pick<Json>([
        null, 1, 'x', [], {}, [null], { a: 1 }, { a: null }, { a: ['b'] }, { [r.pick(ODD_KEYS)]: 'v' },
        [{ apiVersion: 'v1', kind: 'X', name: null, uid: 1 }], [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'o', uid: 'u', controller: 'yes' }],
        ['a', 1, null], '2024-13-45T99:99:99Z',
      ]);
      return `metadata.${field} odd`;
    }
    default: setAt(obj, p, r.pick<Json>([0, -1, 2147483648, 1.5, '', 'x', true])); return `scalar at ${where}`;
  }
}

/** mutated returns a deep copy of obj with 1–3 mutations. */
function mutated(r: Rand, obj: JsonObject): { body: JsonObject; what: string } {
  const body = structuredClone(obj);
  const n = 1 + r.int(3);
  const what: string[] = [];
  for (let i = 0; i < n; i++) what.push(mutate(r, body));
  return { body, what: what.join('; ') };
}

/** subtreePatch is a merge/strategic patch that sets one random (mutated) subtree of obj. */
function subtreePatch(r: Rand, obj: JsonObject): JsonObject {
  const all = paths(obj).filter((p) => typeof p[p.length - 1] === 'string' && p.every((k) => typeof k === 'string'));
  if (!all.length) return {};
  const p = r.pick(all);
  const patch: JsonObject = {};
  let cur = patch;
  for (const k of p.slice(0, -1)) cur = (cur[k as string] = {}) as JsonObject;
  cur[p[p.length - 1] as string] = r.chance(0.5) ? flipType(r, getAt(obj, p) as Json) : randomValue(r);
  return patch;
}

/** strategicDirectives sprinkles strategic-merge-patch directives, well and badly typed, into a patch. */
function strategicDirectives(r: Rand, patch: JsonObject, current: JsonObject): string {
  const objs = [patch, ...paths(patch).map((p) => getAt(patch, p)).filter(isObject)] as JsonObject[];
  const target = r.pick(objs);
  const lists = paths(current).filter((p) => Array.isArray(getAt(current, p))).map((p) => String(p[p.length - 1]));
  const list = lists.length ? r.pick(lists) : 'containers';
  switch (r.int(6)) {
    case 0: target.$patch = r.pick<Json>(['replace', 'delete', 'merge', 'bogus', 42, null, ['replace'], {}]); return '$patch';
    case 1: target.$retainKeys = r.pick<Json>([['spec'], 'spec', [1, null], {}, null]); return '$retainKeys';
    case 2: target[`$setElementOrder/${list}`] = r.pick<Json>([[], [null], 'x', [{ name: 1 }], [{ name: 'a' }, { name: 'a' }], [1, 2], {}]); return '$setElementOrder';
    case 3: target[`$deleteFromPrimitiveList/${list}`] = r.pick<Json>([['a'], 'x', {}, [null], [[1]]]); return '$deleteFromPrimitiveList';
    case 4: target[list] = r.pick<Json>([[{ $patch: 'delete', name: 'x' }], [{ $patch: 'replace' }], [{ name: null, $patch: 'delete' }], [null, { $patch: 1 }], [{ $retainKeys: ['x'] }]]); return `list directive in ${list}`;
    default: target[r.pick(['$patch', '$retainKeys', '$setElementOrder/', '$deleteFromPrimitiveList/', '$unknownDirective'])] = randomValue(r); return 'odd directive';
  }
}

/** jsonPointer renders a path as an RFC 6901 pointer. */
function jsonPointer(p: Path): string {
  return p.map((k) => '/' + String(k).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** jsonPatchOps builds 1–4 JSON patch operations, valid and broken. */
function jsonPatchOps(r: Rand, current: JsonObject): Json {
  const all = paths(current);
  const somePath = (): string => r.chance(0.8) && all.length
    ? jsonPointer(r.pick(all)) + (r.chance(0.15) ? r.pick(['/-', '/0', '/99999', '/x']) : '')
    : r.pick(['', '/', 'spec', '/spec/', '/~2', '/spec/containers/-1', '/spec/containers/01', '/metadata/labels/a~1b', '/a/b/c/d', '/metadata/__proto__/x', '/spec/containers/1e3']);
  const ops: Json[] = [];
  for (let i = 0, n = 1 + r.int(4); i < n; i++) {
    const op = r.pick<Json>(['add', 'remove', 'replace', 'move', 'copy', 'test', 'add', 'replace', 'bogus', 42, null]);
    const o: JsonObject = { op, path: r.chance(0.95) ? somePath() : r.pick<Json>([1, null, [], {}]) };
    if (op === 'move' || op === 'copy' || r.chance(0.05)) o.from = r.chance(0.9) ? somePath() : r.pick<Json>([1, null]);
    if (op !== 'remove' && op !== 'move' && op !== 'copy' && r.chance(0.95)) o.value = r.chance(0.5) ? flipType(r, getAt(current, all.length ? r.pick(all) : []) ?? null) : randomValue(r);
    ops.push(r.chance(0.05) ? r.pick<Json>([null, 'op', [o]]) : o);
  }
  return r.chance(0.05) ? r.pick<Json>([null, {}, 'ops', ops[0]]) : ops;
}

// ---------------------------------------------------------------- raw bodies

const JSON_CT = 'application/json';
const ODD_CONTENT_TYPES = ['text/plain', 'application/xml', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', '', 'application/apply-patch+yaml', 'application/json-patch+json', '*/*', 'application/'];

/** rawBody turns a JSON body into a broken one: truncated, garbage, a scalar, wrong framing. */
function rawBody(r: Rand, text: string): { body: Buffer; what: string } {
  switch (r.int(9)) {
    case 0: case 1: case 2: {
      const cut = r.int(Math.max(1, text.length));
      return { body: Buffer.from(text.slice(0, cut)), what: `truncated at ${cut}/${text.length}` };
    }
    case 3: return { body: Buffer.from(r.pick(['null', '42', '"s"', '[]', 'true', '[' + text + ']', '{}', '{"kind":1}', '{"apiVersion":{}}', '{"metadata":[]}'])), what: 'scalar/array body' };
    case 4: return { body: Buffer.alloc(0), what: 'empty body' };
    case 5: return { body: Buffer.from([0x6b, 0x38, 0x73, 0x00, ...Array.from({ length: 64 }, () => r.int(256))]), what: 'protobuf magic + garbage' };
    case 6: return { body: Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), what: 'invalid utf-8' };
    case 7: return { body: Buffer.from(text.replace('{', '{"metadata":{},"metadata":[],')), what: 'duplicate keys' };
    default: return { body: Buffer.from(text + r.pick(['}', ']', ',', ' garbage', '\u0000', '{}'])), what: 'trailing garbage' };
  }
}

// ---------------------------------------------------------------- the run

/**
 * Kubernetes' strategic merge patch reports a malformed patch (a list item without its merge key, an
 * unknown $patch, items of mixed types...) with plain errors that kube-apiserver passes through as a
 * 500 Status with an empty reason (StatusReasonUnknown, see interpretStrategicMergePatchError in its
 * patch handler); kubectl prints "Error from server: <message>". tskube answers the same, word for
 * word. These exact messages are the only 5xx allowed; any other (a crash: reason InternalError) fails.
 */
const STRATEGIC_PATCH_ERRORS = [
  /^map: .* does not contain declared merge key: /s,
  /^unknown patch type: /,
  /^list element types are not identical: /,
  /^expected a (map\[string\]interface \{\}|\[\]interface \{\}), but received a /,
  /^merging lists cannot yet be specified in the patch$/,
  /^The order in patch list:\n/,
  /^cannot merge lists without merge key for /,
  /^value for key \d+ is not a map$/,
];

function isStrategicPatchError(contentType: string, status: number, s: Record<string, unknown>): boolean {
  return contentType === 'application/strategic-merge-patch+json' && status === 500 && s.reason === ''
    && STRATEGIC_PATCH_ERRORS.some((re) => re.test(String(s.message)));
}

interface Problem { request: string; what: string; status: number; body: string; message: string }

/** report groups problems by the error they got (one example each), so one bug reads as one line. */
function report(problems: Problem[]): string {
  const groups = new Map<string, Problem[]>();
  for (const p of problems) {
    const sig = `${p.status} ${p.message.replace(/\d+/g, '_').slice(0, 40)}`;
    groups.set(sig, [...(groups.get(sig) ?? []), p]);
  }
  return [...groups.values()].slice(0, 30).map((ps) => {
    const p = ps[0];
    return `${ps.length}x ${p.status} ${p.request}\n    mutation: ${p.what}\n    ${p.body.slice(0, 400)}`;
  }).join('\n');
}

describe('fuzz: mutated manifests against the API server', { timeout: 5 * 60_000 }, () => {
  let tc: TestCluster;
  const manifests = loadManifests();
  const problems: Problem[] = [];
  let sent = 0;

  before(async () => {
    tc = await startTestCluster();
    await send('POST', '/api/v1/namespaces', JSON_CT, Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })), 'namespace');
    // its default service account (no serviceaccount controller runs here): pods are refused without it
    await send('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, JSON_CT, Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } })), 'service account');
  });
  after(async () => { await tc?.close(); });

  /** send makes one request and records any 5xx or malformed error (the server must still answer). */
  async function send(method: string, path: string, contentType: string, body: Buffer | undefined, what: string): Promise<{ status: number; json?: unknown }> {
    sent++;
    const headers: Record<string, string> = { authorization: 'Bearer t0k' };
    if (contentType) headers['content-type'] = contentType;
    let res: Response;
    try {
      res = await fetch(tc.api.url + path, { method, headers, body: body ? new Uint8Array(body) : undefined });
    } catch (e) {
      const body = `request failed: ${String((e as Error).cause ?? e)}`;
      problems.push({ request: `${method} ${path} (${contentType})`, what, status: 0, body, message: body });
      return { status: 0 };
    }
    const text = await res.text();
    let json: unknown;
    try { json = JSON.parse(text); } catch { /* checked below */ }
    const bad = (why: string) => {
      // TSKUBE_FUZZ_DUMP=dir keeps each bad request's body, to replay it with curl
      const dump = process.env.TSKUBE_FUZZ_DUMP;
      if (dump && body) {
        const base = join(dump, `${problems.length}-${res.status}-${isObject(json) ? String(json.reason) : 'none'}`);
        writeFileSync(`${base}.body`, body);
        writeFileSync(`${base}.txt`, `${method} ${path}\ncontent-type: ${contentType}\n${what}\n${text.slice(0, 2000)}\n`);
      }
      return record(why);
    };
    const record = (why: string) => problems.push({
      request: `${method} ${path} (${contentType})`, what, status: res.status, body: `${why}: ${text.slice(0, 300)}`,
      message: `${why}: ${isObject(json) && typeof json.message === 'string' ? json.message : text}`,
    });
    const s = json as Record<string, unknown> | undefined;
    const wellFormed = !!s && s.kind === 'Status' && s.apiVersion === 'v1' && s.status === 'Failure' && s.code === res.status && typeof s.message === 'string' && typeof s.reason === 'string';
    if (res.status >= 500) {
      if (!(wellFormed && isStrategicPatchError(contentType, res.status, s!))) bad('server error');
    } else if (res.status >= 400) {
      if (!wellFormed) bad('not a well-formed Status');
    } else if (!isObject(json)) bad('success without a JSON object');
    return { status: res.status, json };
  }

  function resourcePath(def: ResourceDefinition, name?: string, sub?: string): string {
    const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
    const ns = def.namespaced ? `/namespaces/${NS}` : '';
    return `${base}${ns}/${def.plural}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
  }

  it('covers every served kind', () => {
    const kinds = new Set(manifests.map((m) => `${m.def.group}/${m.def.version}/${m.def.kind}`));
    const missing = allResources.filter((d) => d.verbs.includes('create') && !kinds.has(`${d.group}/${d.version}/${d.kind}`)).map((d) => `${d.group}/${d.version}/${d.kind}`);
    assert.deepEqual(missing, [], 'add a manifest for these kinds to test/fuzz-manifests.ts');
  });

  it('answers every mutation with a 4xx Status or success, never a 5xx', async (t) => {
    const r = new Rand(prng(SEED));
    const perManifest = Math.max(20, Math.floor(TOTAL_REQUESTS / manifests.length));
    for (const [mi, m] of manifests.entries()) {
      const base = structuredClone(m.obj);
      let name = `fz${mi}`;
      // A CRD's name is spec.names.plural + "." + spec.group: give it a group of its own instead.
      if (m.def.kind === 'CustomResourceDefinition' && isObject(base.spec) && isObject(base.spec.names)) {
        base.spec.group = `${name}.example.com`;
        name = `${String(base.spec.names.plural)}.${base.spec.group}`;
      }
      // An APIService's name is spec.version + "." + spec.group, likewise.
      if (m.def.kind === 'APIService' && isObject(base.spec)) {
        base.spec.group = `${name}.example.com`;
        name = `${String(base.spec.version)}.${base.spec.group}`;
      }
      base.metadata = { ...(isObject(base.metadata) ? base.metadata : {}), ...(nameless(m.def) ? {} : { name }) };
      if (m.def.namespaced) (base.metadata as JsonObject).namespace = NS;
      const created = await send('POST', resourcePath(m.def), JSON_CT, Buffer.from(serialize(base)), `${m.source}: unmutated`);
      if (m.source.startsWith('built-in')) assert.equal(created.status, 201, `${m.source} must be valid: ${JSON.stringify(created.json)}`);
      // the stored object, re-read only after a write to it succeeded
      const read = async () => ((await send('GET', resourcePath(m.def, name), '', undefined, `${m.source}: read`)).json ?? base) as JsonObject;
      let current = await read();
      for (let i = 0; i < perManifest; i++) {
        const verb = r.int(10);
        if (verb <= 1) { // POST a mutated copy under a new name
          const { body, what } = mutated(r, base);
          if (isObject(body.metadata) && body.metadata.name === name && r.chance(0.8)) body.metadata.name = `${name}-p${i}`;
          await sendBody('POST', resourcePath(m.def), body, `${m.source}: ${what}`);
        } else if (verb <= 3) { // PUT a mutated current object (or its status/scale)
          const sub = r.chance(0.25) ? r.pick(m.def.subresources.filter((s) => s === 'status' || s === 'scale')) : undefined;
          const target = sub === 'scale' ? ((await send('GET', resourcePath(m.def, name, 'scale'), '', undefined, 'read scale')).json ?? {}) as JsonObject : current;
          const { body, what } = mutated(r, target);
          if (await sendBody('PUT', resourcePath(m.def, name, sub), body, `${m.source}${sub ? `/${sub}` : ''}: ${what}`) < 300) current = await read();
        } else if (verb <= 8) { // PATCH: merge, strategic or JSON
          const type = r.pick(['merge', 'strategic', 'json'] as const);
          const sub = r.chance(0.15) ? r.pick(m.def.subresources.filter((s) => s === 'status' || s === 'scale')) : undefined;
          let patch: Json;
          let what: string;
          if (type === 'json') { patch = jsonPatchOps(r, current); what = 'json patch'; }
          else {
            const full = r.chance(0.4);
            const p = full ? mutated(r, current) : { body: subtreePatch(r, current), what: 'subtree' };
            patch = p.body;
            what = `${type} patch (${p.what})`;
            if (type === 'strategic' && r.chance(0.5)) what += ` + ${strategicDirectives(r, p.body, current)}`;
          }
          const ct = `application/${type === 'json' ? 'json-patch' : type === 'merge' ? 'merge-patch' : 'strategic-merge-patch'}+json`;
          if (await sendBody('PATCH', resourcePath(m.def, name, sub), patch, `${m.source}${sub ? `/${sub}` : ''}: ${what}`, ct) < 300) current = await read();
        } else { // a broken body or a wrong content type
          const { body, what } = mutated(r, base);
          const method = r.pick(['POST', 'PUT', 'PATCH'] as const);
          const text = serialize(body);
          if (r.chance(0.5)) {
            const raw = rawBody(r, text);
            const ct = method === 'PATCH' ? r.pick(['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json']) : JSON_CT;
            await send(method, resourcePath(m.def, method === 'POST' ? undefined : name), ct, raw.body, `${m.source}: ${raw.what}`);
          } else {
            const ct = r.pick(ODD_CONTENT_TYPES);
            const res = await send(method, resourcePath(m.def, method === 'POST' ? undefined : name), ct, Buffer.from(text), `${m.source}: content type ${JSON.stringify(ct)}; ${what}`);
            if (method !== 'POST' && res.status < 300) current = await read();
          }
        }
      }
      // the server still answers after each manifest's batch
      assert.equal((await send('GET', '/api/v1/namespaces', '', undefined, 'liveness')).status, 200);
    }
    t.diagnostic(`${sent} requests, seed ${SEED}, ${manifests.length} manifests`);
    assert.equal(problems.length, 0, `${problems.length} of ${sent} requests (seed ${SEED}) were answered badly:\n${report(problems)}`);
  });

  /** sendBody sends a JSON body and returns the status. */
  async function sendBody(method: string, path: string, body: Json, what: string, contentType = JSON_CT): Promise<number> {
    return (await send(method, path, contentType, Buffer.from(serialize(body)), what)).status;
  }

  it('a null, the opposite shape and a null element at every field of every kind (dry-run creates)', async (t) => {
    const before = sent;
    for (const [mi, m] of manifests.entries()) {
      if (!m.source.startsWith('built-in')) continue;
      const base = structuredClone(m.obj);
      base.metadata = { ...(isObject(base.metadata) ? base.metadata : {}), ...(nameless(m.def) ? {} : { name: `sweep${mi}` }) };
      // the pod template is swept once, in the Pod; elsewhere only what surrounds it
      const inTemplate = (p: Path) => m.def.kind !== 'Pod' && /(^|\.)template\.spec\./.test(`${p.join('.')}.`);
      for (const p of paths(base).filter((q) => !inTemplate(q))) {
        const at = getAt(base, p) as Json;
        const variants: [string, Json][] = [['null', null], ['opposite shape', opposite(at)]];
        if (Array.isArray(at)) variants.push(['null element', [null, ...at]]);
        for (const [what, value] of variants) {
          const body = structuredClone(base);
          setAt(body, p, value);
          await send('POST', `${resourcePath(m.def)}?dryRun=All`, JSON_CT, Buffer.from(serialize(body)), `${m.source}: ${what} at ${p.join('.')}`);
        }
      }
    }
    t.diagnostic(`${sent - before} requests`);
    assert.equal(problems.length, 0, `${problems.length} requests were answered badly:\n${report(problems)}`);
  });

  it('odd bodies for the pod subresources that take one (binding, eviction) and for scale', async () => {
    const before = problems.length;
    const pod = manifests.findIndex((m) => m.source === 'built-in v1 Pod');
    const deploy = manifests.findIndex((m) => m.source === 'built-in apps/v1 Deployment');
    const odd: Json[] = [
      null, [], 'x', 1, {}, { target: null }, { target: 1 }, { target: { name: [] } }, { target: { kind: 'Node', name: null } },
      { metadata: [] }, { metadata: { name: 1 } }, { deleteOptions: 5 }, { deleteOptions: { gracePeriodSeconds: 'x', preconditions: [] } },
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: `fz${pod}` }, deleteOptions: { propagationPolicy: 1 } },
      { spec: null }, { spec: { replicas: '3' } }, { spec: { replicas: -1 } }, { spec: { replicas: 2 ** 40 } }, { status: [] },
      `\u0001deep5000o\u0001`,
    ];
    for (const body of odd) {
      const text = serialize(body);
      for (const sub of ['binding', 'eviction']) await send('POST', `/api/v1/namespaces/${NS}/pods/fz${pod}/${sub}`, JSON_CT, Buffer.from(text), `${sub}: ${text.slice(0, 80)}`);
      if (isObject(body)) await send('PUT', `/apis/apps/v1/namespaces/${NS}/deployments/fz${deploy}/scale`, JSON_CT, Buffer.from(text), `scale: ${text.slice(0, 80)}`);
      for (const ct of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
        await send('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/fz${deploy}/scale`, ct, Buffer.from(text), `scale patch: ${text.slice(0, 80)}`);
      }
    }
    assert.equal(problems.length - before, 0, report(problems.slice(before)));
  });

  // Kubernetes answers 400 ("Object 'Kind' is missing in 'null'", or the decoder's type error).
  it('PUT /scale with a body that is not an object', async () => {
    const deploy = manifests.findIndex((m) => m.source === 'built-in apps/v1 Deployment');
    const before = problems.length;
    for (const text of ['null', '[]', '"x"', '1']) {
      await send('PUT', `/apis/apps/v1/namespaces/${NS}/deployments/fz${deploy}/scale`, JSON_CT, Buffer.from(text), `scale: ${text}`);
    }
    const found = problems.splice(before);
    assert.equal(found.length, 0, report(found));
  });

  it('a request larger than 3 MiB is refused with 413', async () => {
    const r = await send('POST', `/api/v1/namespaces/${NS}/configmaps`, JSON_CT, Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } })), 'huge body');
    assert.equal(r.status, 413);
  });

  it('still serves after the run', async () => {
    const r = await send('GET', `/api/v1/namespaces/${NS}`, '', undefined, 'liveness');
    assert.equal(r.status, 200);
  });
});

// Inputs the fuzzer found answered with a 500 (a crash in the server), each pinned with its answer.
describe('fuzz findings: once 500s, now Kubernetes\' answers', { timeout: 60_000 }, () => {
  let tc: TestCluster;
  before(async () => { tc = await startTestCluster(); });
  after(async () => { await tc?.close(); });
  const req = (method: string, path: string, body: string, contentType = JSON_CT) =>
    fetch(tc.api.url + path, { method, headers: { authorization: 'Bearer t0k', 'content-type': contentType }, body });
  const rs = (selector: unknown) => JSON.stringify({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' },
    spec: { replicas: 1, selector, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });

  it('a null in spec.selector.matchExpressions is validation\'s 422 for the empty requirement it decodes to', async () => {
    const res = await req('POST', '/apis/apps/v1/namespaces/default/replicasets', rs({ matchLabels: { app: 'a' }, matchExpressions: [null, { key: 'legacy', operator: 'DoesNotExist' }] }));
    const s = await res.json() as { reason: string; message: string };
    assert.equal(res.status, 422);
    assert.equal(s.reason, 'Invalid');
    assert.match(s.message, /^ReplicaSet\.apps "rs" is invalid: \[spec\.selector\.matchExpressions\[0\]\.operator: Invalid value: "": not a valid selector operator, spec\.selector\.matchExpressions\[0\]\.key: Invalid value: "": name part must be non-empty, /);
  });

  it('an unknown field with a non-Latin-1 name is a warning header in UTF-8', async () => {
    const res = await req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, ключ: 1 }));
    assert.equal(res.status, 201);
    assert.equal(Buffer.from(res.headers.get('warning') ?? '', 'latin1').toString('utf8'), '299 - "unknown field \\"ключ\\""');
    assert.equal('ключ' in (await res.json() as object), false, 'unknown fields are dropped, as Go\'s decoder drops them');
  });

  it('a kind that is not a string is the decoder\'s 400, however deep', async () => {
    const kind = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await req('POST', '/apis/apps/v1/namespaces/default/daemonsets', `{"apiVersion":"apps/v1","kind":${kind},"metadata":{"name":"x"}}`);
    assert.equal(res.status, 400);
    assert.equal((await res.json() as { message: string }).message, "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go struct field .kind of type string");
  });

  it('a JSON patch replacing the whole object is a 422 and the object stays', async () => {
    await req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'whole' } }));
    const res = await req('PATCH', '/api/v1/namespaces/default/configmaps/whole', JSON.stringify([{ op: 'replace', path: '', value: [null] }]), 'application/json-patch+json');
    assert.equal(res.status, 422);
    const got = await (await fetch(`${tc.api.url}/api/v1/namespaces/default/configmaps/whole`, { headers: { authorization: 'Bearer t0k' } })).json() as { kind: string };
    assert.equal(got.kind, 'ConfigMap');
  });

  it('patches and free-form fields nested past MAX_JSON_DEPTH are 400s', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    for (const [ct, message] of [
      ['application/merge-patch+json', "error decoding patch: invalid character '{' exceeded max depth"],
      ['application/strategic-merge-patch+json', "invalid character '{' exceeded max depth"],
    ]) {
      const res = await req('PATCH', '/api/v1/namespaces/default/configmaps/whole', `{"metadata":{"labels":${deep}}}`, ct);
      assert.equal(res.status, 400, ct);
      assert.equal((await res.json() as { message: string }).message, message);
    }
    const res = await req('POST', '/apis/apps/v1/namespaces/default/controllerrevisions', `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"cr"},"revision":1,"data":${deep}}`);
    assert.equal(res.status, 400);
    assert.equal((await res.json() as { message: string }).message, "couldn't get version/kind; json parse error: invalid character '{' exceeded max depth");
  });
});
