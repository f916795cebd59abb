/**
 * gen-schema-docs builds src/api/schema/generated/definitions.json, the type model of every
 * Kubernetes type that tskube's strict decoding and OpenAPI documents use.
 *
 * Sources (both npm dependencies, read only here, at build time):
 * - kubernetes-types (v1.30) declaration files: definitions by group/version, field names, which
 *   fields are required, Quantity/Time/IntOrString markers, and upstream's field descriptions.
 * - @kubernetes/client-node's generated models (`attributeTypeMap`): integer formats
 *   (int32/int64/double/byte) and fields added after 1.30 (with their descriptions from the
 *   models' declaration files).
 *
 * Run: `node --import tsx scripts/gen-schema-docs.ts` (rewrites the JSON file; commit it).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as models from '@kubernetes/client-node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const typesDir = join(root, 'node_modules/kubernetes-types');
const modelsDir = join(root, 'node_modules/@kubernetes/client-node/dist/gen/models');
const outFile = join(root, 'src/api/schema/generated/definitions.json');

/** Property as stored: t = type expression, d = description. */
interface Prop { t: string; d?: string }
/** Definition as stored (see src/api/schema/model.ts for the format). */
interface Def { d?: string; p?: Record<string, Prop>; r?: string[]; k?: { group: string; version: string; kind: string }[]; s?: string }

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** definitionPrefix maps a kubernetes-types file (without .d.ts) to upstream's definition prefix. */
function definitionPrefix(file: string): string {
  switch (file) {
    case 'meta/v1': return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource': return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime': return 'io.k8s.apimachinery.pkg.runtime';
    case 'version': return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1': return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: return `io.k8s.api.${file.replace('/', '.')}`;
  }
}

function listDts(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listDts(p));
    else if (e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** cleanDoc turns a `/** ... *\/` block into plain text (paragraphs separated by blank lines). */
function cleanDoc(lines: string[]): string {
  const text = lines
    .map((l) => l.replace(/^\s*\/\*\*\s?/, '').replace(/\s*\*\/\s*$/, '').replace(/^\s*\*\s?/, ''))
    .join('\n')
    .trim();
  return text.replace(/\\'/g, "'");
}

interface RawField { name: string; type: string; optional: boolean; doc?: string }
interface RawIface { file: string; name: string; doc?: string; fields: RawField[]; imports: Map<string, string> }

/** parseDts reads the regular shape of kubernetes-types declaration files. */
function parseDts(path: string): { ifaces: RawIface[]; aliases: Map<string, string> } {
  const file = relative(typesDir, path).replace(/\.d\.ts$/, '');
  const lines = readFileSync(path, 'utf8').split('\n');
  const imports = new Map<string, string>();
  const ifaces: RawIface[] = [];
  const aliases = new Map<string, string>();
  let doc: string[] | null = null;
  let pendingDoc: string | undefined;
  let cur: RawIface | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const imp = /^import \{([^}]+)\} from "([^"]+)";/.exec(line);
    if (imp) {
      const target = join(dirname(file), imp[2]).replace(/\\/g, '/');
      for (const n of imp[1].split(',').map((s) => s.trim()).filter(Boolean)) imports.set(n, target);
      continue;
    }
    if (doc) {
      doc.push(line);
      if (line.includes('*/')) { pendingDoc = cleanDoc(doc); doc = null; }
      continue;
    }
    if (/^\s*\/\*\*/.test(line)) {
      if (line.includes('*/')) pendingDoc = cleanDoc([line]);
      else doc = [line];
      continue;
    }
    const ifm = /^export interface (\w+) \{/.exec(line);
    if (ifm) {
      cur = { file, name: ifm[1], doc: pendingDoc, fields: [], imports };
      ifaces.push(cur);
      pendingDoc = undefined;
      continue;
    }
    const alias = /^export type (\w+) = (.+);/.exec(line);
    if (alias) { aliases.set(alias[1], alias[2]); pendingDoc = undefined; continue; }
    if (cur && /^\}/.test(line)) { cur = null; continue; }
    const fm = /^ {4}(?:readonly )?("?[\w$-]+"?)(\?)?: (.*)$/.exec(line);
    if (cur && fm) {
      let type = fm[3];
      // multi-line map types: `{\n [name: string]: T;\n };`
      while (!type.endsWith(';') || (type.split('{').length > type.split('}').length)) {
        i++;
        type += ' ' + lines[i].trim();
      }
      cur.fields.push({ name: fm[1].replace(/"/g, ''), type: type.replace(/;$/, '').replace(/\s+/g, ' ').trim(), optional: !!fm[2], doc: pendingDoc });
      pendingDoc = undefined;
    }
  }
  return { ifaces, aliases };
}

const defs: Record<string, Def> = {};
const byFileName = new Map<string, string>(); // "core/v1:Pod" -> definition name
const ifaces: RawIface[] = [];
const aliasesByFile = new Map<string, Map<string, string>>();
for (const p of listDts(typesDir)) {
  const r = parseDts(p);
  const file = relative(typesDir, p).replace(/\.d\.ts$/, '');
  aliasesByFile.set(file, r.aliases);
  for (const a of r.aliases.keys()) byFileName.set(`${file}:${a}`, `${definitionPrefix(file)}.${a}`);
  for (const it of r.ifaces) {
    ifaces.push(it);
    byFileName.set(`${it.file}:${it.name}`, `${definitionPrefix(it.file)}.${it.name}`);
  }
}

function resolveName(it: RawIface, name: string): string {
  const file = it.imports.get(name) ?? it.file;
  const def = byFileName.get(`${file}:${name}`);
  if (!def) throw new Error(`unresolved type ${name} in ${it.file}.${it.name}`);
  return def;
}

/** tsTypeToExpr translates a kubernetes-types field type into the stored type expression. */
function tsTypeToExpr(it: RawIface, t: string): string {
  t = t.trim();
  if (t === 'string' || /^"[^"]*"$/.test(t)) return 'string';
  if (t === 'number') return 'int64'; // refined by client-node formats below
  if (t === 'boolean') return 'boolean';
  if (t === 'number | string') return '#' + INT_OR_STRING;
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return '[]' + tsTypeToExpr(it, arr[1]);
  if (t.endsWith('[]')) return '[]' + tsTypeToExpr(it, t.slice(0, -2));
  const map = /^\{ \[\w+: string\]: (.+); \}$/.exec(t);
  if (map) return '{}' + tsTypeToExpr(it, map[1]);
  if (/^\w+$/.test(t)) return '#' + resolveName(it, t);
  throw new Error(`unsupported type ${t} in ${it.file}.${it.name}`);
}

for (const it of ifaces) {
  const def: Def = {};
  if (it.doc) def.d = it.doc;
  def.p = {};
  const required: string[] = [];
  for (const f of it.fields) {
    const prop: Prop = { t: tsTypeToExpr(it, f.type) };
    if (f.doc) prop.d = f.doc;
    def.p[f.name] = prop;
    if (!f.optional) required.push(f.name);
  }
  if (required.length) def.r = required;
  const kindField = it.fields.find((f) => f.name === 'kind' && /^"\w+"$/.test(f.type));
  const avField = it.fields.find((f) => f.name === 'apiVersion' && /^"[^"]+"$/.test(f.type));
  if (kindField && avField) {
    const av = avField.type.slice(1, -1);
    const [group, version] = av.includes('/') ? av.split('/') : ['', av];
    def.k = [{ group, version, kind: kindField.type.slice(1, -1) }];
  }
  defs[`${definitionPrefix(it.file)}.${it.name}`] = def;
}

// Scalar definitions that are aliases or inline unions in kubernetes-types.
function aliasDoc(file: string, name: string): string | undefined {
  const src = readFileSync(join(typesDir, `${file}.d.ts`), 'utf8');
  const idx = src.indexOf(`export type ${name} =`);
  const before = src.slice(0, idx);
  const start = before.lastIndexOf('/**');
  if (start < 0 || before.slice(start).includes('export ')) return undefined;
  return cleanDoc(before.slice(start).trimEnd().split('\n'));
}
defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { d: aliasDoc('api/resource', 'Quantity'), s: 'quantity' };
defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time'] = { d: aliasDoc('meta/v1', 'Time'), s: 'date-time' };
defs['io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime'] = { d: aliasDoc('meta/v1', 'MicroTime'), s: 'date-time' };
defs[INT_OR_STRING] = { d: 'IntOrString holds either an int32 or a string; in JSON it is written as the inner value.', s: 'int-or-string' };
for (const n of ['io.k8s.apimachinery.pkg.runtime.RawExtension', 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']) {
  defs[n] = { ...defs[n], s: 'object' };
  delete defs[n].p;
}
for (const n of ['JSON', 'JSONSchemaPropsOrArray', 'JSONSchemaPropsOrBool', 'JSONSchemaPropsOrStringArray']) {
  const name = `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.${n}`;
  defs[name] = { ...defs[name], s: 'any' };
  delete defs[name].p;
}

// ---- client-node: formats and fields added after 1.30 ----
type Attr = { name: string; baseName: string; type: string; format: string };
const classes = models as unknown as Record<string, { attributeTypeMap?: Attr[] }>;
const GROUP_PREFIX: Record<string, string> = {
  'io.k8s.api.core': 'Core', 'io.k8s.api.events': 'Events', 'io.k8s.api.discovery': 'Discovery',
  'io.k8s.api.storage': 'Storage', 'io.k8s.api.authentication': 'Authentication',
  'io.k8s.api.admissionregistration': 'Admissionregistration', 'io.k8s.api.flowcontrol': 'Flowcontrol',
  'io.k8s.api.rbac': 'Rbac', 'io.k8s.api.resource': 'Resource',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions': 'Apiextensions',
};
function splitDefName(name: string): { prefix: string; version: string; type: string } {
  const parts = name.split('.');
  return { prefix: parts.slice(0, -2).join('.'), version: parts[parts.length - 2], type: parts[parts.length - 1] };
}
const classToDef = new Map<string, string>();
const defToClass = new Map<string, string>();
for (const name of Object.keys(defs)) {
  if (defs[name].s) continue;
  const { prefix, version, type } = splitDefName(name);
  const ver = version[0].toUpperCase() + version.slice(1);
  const candidates = [`${GROUP_PREFIX[prefix] ?? ''}${ver}${type}`, `${ver}${type}`];
  const fields = Object.keys(defs[name].p ?? {});
  for (const c of candidates) {
    const m = classes[c]?.attributeTypeMap;
    if (!m) continue;
    const names = new Set(m.map((a) => a.baseName));
    const overlap = fields.filter((f) => names.has(f)).length;
    if (fields.length === 0 || overlap / fields.length >= 0.6) {
      classToDef.set(c, name);
      defToClass.set(name, c);
      break;
    }
  }
}

/** clientNodeDocs reads field descriptions from a model's declaration file. */
function clientNodeDocs(cls: string): { type?: string; fields: Map<string, string> } {
  const fields = new Map<string, string>();
  let src: string;
  try { src = readFileSync(join(modelsDir, `${cls}.d.ts`), 'utf8'); } catch { return { fields }; }
  const re = /\/\*\*\n((?:\s*\*.*\n)*?)\s*\*\/\n\s*'([\w$-]+)'\??:/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    fields.set(m[2], m[1].split('\n').map((l) => l.replace(/^\s*\*\s?/, '')).join('\n').trim().replace(/\\'/g, "'"));
  }
  const head = /\*\/\n\/\*\*\n((?:\*.*\n)*?)\*\/\nexport declare class/.exec(src);
  return { type: head?.[1].split('\n').map((l) => l.replace(/^\*\s?/, '')).join('\n').trim(), fields };
}

function attrToExpr(a: { type: string; format: string }, ownerPrefix: string): string {
  const t = a.type;
  if (t === 'string') return a.format === 'byte' ? 'byte' : 'string';
  if (t === 'number') return a.format === 'int32' ? 'int32' : a.format === 'double' ? 'double' : 'int64';
  if (t === 'boolean') return 'boolean';
  if (t === 'Date') return '#io.k8s.apimachinery.pkg.apis.meta.v1.Time';
  if (t === 'IntOrString') return '#' + INT_OR_STRING;
  if (t === 'any' || t === 'object') return 'any';
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return '[]' + attrToExpr({ type: arr[1], format: '' }, ownerPrefix);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return '{}' + attrToExpr({ type: map[1], format: '' }, ownerPrefix);
  return '#' + defForClass(t, ownerPrefix);
}

/** defForClass finds (or creates, for types newer than kubernetes-types) the definition of a model class. */
function defForClass(cls: string, ownerPrefix: string): string {
  const known = classToDef.get(cls);
  if (known) return known;
  const m = /^(?:[A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(cls);
  if (!m || !classes[cls]?.attributeTypeMap) throw new Error(`unknown client-node class ${cls}`);
  const name = `${ownerPrefix}.${m[1].toLowerCase()}.${m[2]}`;
  classToDef.set(cls, name);
  defToClass.set(name, cls);
  const docs = clientNodeDocs(cls);
  const def: Def = { p: {} };
  if (docs.type) def.d = docs.type;
  defs[name] = def;
  for (const a of classes[cls].attributeTypeMap!) {
    def.p![a.baseName] = { t: attrToExpr(a, ownerPrefix), ...(docs.fields.get(a.name) ? { d: docs.fields.get(a.name) } : {}) };
  }
  return name;
}

// kube-aggregator's APIService is in no kubernetes-types file: its definitions come from client-node's models.
for (const [cls, kind, required] of [['V1APIService', 'APIService', []], ['V1APIServiceList', 'APIServiceList', ['items']]] as const) {
  const name = defForClass(cls, 'io.k8s.kube-aggregator.pkg.apis.apiregistration');
  defs[name].k = [{ group: 'apiregistration.k8s.io', version: 'v1', kind }];
  if (required.length) defs[name].r = [...required];
}
for (const [def, required] of [['APIServiceSpec', ['groupPriorityMinimum', 'versionPriority']], ['APIServiceCondition', ['type', 'status']]] as const) {
  defs[`io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.${def}`].r = [...required];
}

let added = 0;
for (const [name, cls] of [...defToClass]) {
  const def = defs[name];
  const attrs = classes[cls].attributeTypeMap!;
  const { prefix } = splitDefName(name);
  let docs: ReturnType<typeof clientNodeDocs> | undefined;
  for (const a of attrs) {
    const existing = def.p![a.baseName];
    if (existing) {
      const base = existing.t.replace(/^(\[\]|\{\})+/, '');
      if (base === 'int64' && (a.type === 'number' || /<number>|number;/.test(a.type))) {
        const fmt = a.format === 'int32' ? 'int32' : a.format === 'double' ? 'double' : a.format === 'int64' ? 'int64' : undefined;
        if (fmt) existing.t = existing.t.replace(/int64$/, fmt);
      }
      // []byte fields (and maps of them: Secret.data, ConfigMap.binaryData) are base64 in JSON
      if (base === 'string' && a.format === 'byte') existing.t = existing.t.replace(/string$/, 'byte');
      continue;
    }
    docs ??= clientNodeDocs(cls);
    def.p![a.baseName] = { t: attrToExpr(a, prefix), ...(docs.fields.get(a.name) ? { d: docs.fields.get(a.name) } : {}) };
    added++;
  }
}

// Sort for stable output.
const sorted: Record<string, Def> = {};
for (const k of Object.keys(defs).sort()) sorted[k] = defs[k];
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(sorted) + '\n');
console.log(`wrote ${Object.keys(sorted).length} definitions (${added} fields from client-node) to ${relative(root, outFile)}`);
