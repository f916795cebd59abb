// Bad input, request by request, against an in-process API server (the real handlers, validation
// and storage): each malformed request gets the Status Kubernetes 1.32 answers (code, reason,
// message, causes), nothing reaches the store, and the server still answers afterwards. Raw HTTP,
// so bodies, paths and headers go out exactly as written (no client cleans them up).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestCluster, type TestCluster } from '../src/testing/test-cluster.js';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let tc: TestCluster;
const NS = 'bad-input';

interface Reply { code: number; body: any; text: string }

/** send makes one raw request as the admin; a body is sent byte for byte with its Content-Length. */
function send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(tc.api.url);
  const h: Record<string, string | number> = { Authorization: 'Bearer t0k', Accept: 'application/json' };
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    h['Content-Length'] = Buffer.byteLength(body);
  }
  Object.assign(h, headers);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        resolve({ code: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pods = `/api/v1/namespaces/${NS}/pods`;
const cms = `/api/v1/namespaces/${NS}/configmaps`;
const deploys = `/apis/apps/v1/namespaces/${NS}/deployments`;
const podJSON = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } });
const deployJSON = (name: string, spec: Record<string, unknown>) => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...spec },
});
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
const METHOD_NOT_ALLOWED = 'the server does not allow this method on the requested resource';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  code: number;
  reason: string;
  message: string | RegExp;
  /** field paths of details.causes, in order */
  fields?: string[];
}

const cases: Case[] = [
  // ---- paths and methods
  { name: 'a malformed percent-escape in the path (it used to end the server)', method: 'GET', path: `${pods}/a%zz`, code: 400, reason: 'BadRequest', message: 'invalid URL escape "%zz"' },
  { name: 'an unknown resource', method: 'GET', path: `/apis/apps/v1/namespaces/${NS}/foos`, code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
  { name: 'an unknown group', method: 'GET', path: '/apis/foo.example.com/v1/things', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
  { name: 'a subresource the resource does not have', method: 'GET', path: `${cms}/x/scale`, code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
  { name: 'a cluster-scoped resource under a namespace', method: 'GET', path: `/api/v1/namespaces/${NS}/nodes`, code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
  { name: 'a 100k-character name in the URL (Node cut it off at 16 KiB)', method: 'GET', path: `${pods}/${'a'.repeat(100_000)}`, code: 404, reason: 'NotFound', message: `pods "${'a'.repeat(100_000)}" not found` },
  { name: 'PUT on a collection', method: 'PUT', path: pods, body: podJSON('x'), code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED },
  { name: 'PATCH on a collection', method: 'PATCH', path: pods, body: '{}', headers: MERGE, code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED },
  { name: 'POST on an object', method: 'POST', path: `${pods}/x`, body: podJSON('x'), code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED },
  { name: 'DELETE on /api', method: 'DELETE', path: '/api', code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED },

  // ---- bodies that do not decode
  { name: 'a JSON array body', method: 'POST', path: pods, body: '[]', code: 400, reason: 'BadRequest', message: `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type ${STRUCT} (5b5d)` },
  { name: 'a JSON number body', method: 'POST', path: pods, body: '42', code: 400, reason: 'BadRequest', message: `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go value of type ${STRUCT} (3432)` },
  { name: 'truncated JSON', method: 'POST', path: pods, body: '{"apiVersion":"v1","kind":"Pod', code: 400, reason: 'BadRequest', message: 'the object provided is unrecognized (must be of type Pod): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1","kind":"Pod)' },
  { name: 'YAML sent as JSON', method: 'POST', path: pods, body: 'apiVersion: v1\nkind: Pod\n', code: 400, reason: 'BadRequest', message: /^the object provided is unrecognized \(must be of type Pod\): couldn't get version\/kind; json parse error: invalid character 'a' looking for beginning of value \(61706956/ },
  { name: 'protobuf content type, garbage body', method: 'POST', path: pods, body: Buffer.from([1, 2, 3, 4, 5]), headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, code: 400, reason: 'BadRequest', message: 'the object provided is unrecognized (must be of type Pod): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (0102030405)' },
  { name: 'an unsupported content type', method: 'POST', path: pods, body: podJSON('ct'), headers: { 'Content-Type': 'text/plain' }, code: 415, reason: 'UnsupportedMediaType', message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf' },
  { name: 'a body over 3 MiB', method: 'POST', path: cms, body: JSON.stringify({ metadata: { name: 'huge' }, data: { a: 'x'.repeat(5 * 1024 * 1024) } }), code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' },
  { name: 'an object over etcd\'s 1.5 MiB (a 2 MiB env value) in a body under 3 MiB', method: 'POST', path: pods, body: podJSON('big-env', { containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: 'x'.repeat(2 * 1024 * 1024) }] }] }), code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' },
  { name: 'a kind other than the URL\'s', method: 'POST', path: pods, body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'k' } }), code: 400, reason: 'BadRequest', message: 'Pod in version "v1" cannot be handled as a Pod: the kind in the data (Service) does not match the expected kind (Pod)' },
  { name: 'an apiVersion the kind does not exist in', method: 'POST', path: pods, body: JSON.stringify({ apiVersion: 'v2', kind: 'Pod', metadata: { name: 'k' } }), code: 400, reason: 'BadRequest', message: 'Pod in version "v2" cannot be handled as a Pod: no kind "Pod" is registered for version "v2" in scheme "pkg/api/legacyscheme/scheme.go:30"' },
  { name: 'a string where an integer goes', method: 'POST', path: deploys, body: deployJSON('str-replicas', { replicas: 'three' }), code: 400, reason: 'BadRequest', message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' },
  { name: 'an object where an array goes', method: 'POST', path: pods, body: JSON.stringify({ metadata: { name: 'obj-arr' }, spec: { containers: { name: 'c' } } }), code: 400, reason: 'BadRequest', message: 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container' },
  { name: 'a quantity that is not one', method: 'POST', path: pods, body: podJSON('bad-cpu', { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: 'abc' } } }] }), code: 400, reason: 'BadRequest', message: "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" },
  { name: 'unknown fields under fieldValidation=Strict', method: 'POST', path: `${cms}?fieldValidation=Strict`, body: JSON.stringify({ metadata: { name: 'strict', foo: 1 }, bar: 2 }), code: 400, reason: 'BadRequest', message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.foo", unknown field "bar"' },

  // ---- objects that decode but are invalid
  { name: 'a name with invalid characters', method: 'POST', path: pods, body: podJSON('a_b!'), code: 422, reason: 'Invalid', message: /^Pod "a_b!" is invalid: metadata.name: Invalid value: "a_b!": a lowercase RFC 1123 subdomain must consist of/, fields: ['metadata.name'] },
  { name: 'neither name nor generateName', method: 'POST', path: pods, body: JSON.stringify({ metadata: {}, spec: { containers: [{ name: 'c', image: 'nginx' }] } }), code: 422, reason: 'Invalid', message: 'Pod "" is invalid: metadata.name: Required value: name or generateName is required', fields: ['metadata.name'] },
  { name: 'annotations over 256 KiB', method: 'POST', path: cms, body: JSON.stringify({ metadata: { name: 'big-ann', annotations: { a: 'x'.repeat(300 * 1024) } } }), code: 422, reason: 'Invalid', message: 'ConfigMap "big-ann" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes', fields: ['metadata.annotations'] },
  { name: 'negative replicas', method: 'POST', path: deploys, body: deployJSON('neg', { replicas: -1 }), code: 422, reason: 'Invalid', message: 'Deployment.apps "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0', fields: ['spec.replicas'] },
  { name: 'duplicate container names', method: 'POST', path: pods, body: JSON.stringify({ metadata: { name: 'dup' }, spec: { containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] } }), code: 422, reason: 'Invalid', message: 'Pod "dup" is invalid: spec.containers[1].name: Duplicate value: "c"', fields: ['spec.containers[1].name'] },
  { name: 'an invalid cron schedule', method: 'POST', path: `/apis/batch/v1/namespaces/${NS}/cronjobs`, body: JSON.stringify({ metadata: { name: 'cron' }, spec: { schedule: '61 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } } }), code: 422, reason: 'Invalid', message: 'CronJob.batch "cron" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61', fields: ['spec.schedule'] },
  { name: 'a cron schedule naming "constructor" as a month (it was read from Object.prototype)', method: 'POST', path: `/apis/batch/v1/namespaces/${NS}/cronjobs`, body: JSON.stringify({ metadata: { name: 'cron2' }, spec: { schedule: '0 0 * constructor *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } } }), code: 422, reason: 'Invalid', message: 'CronJob.batch "cron2" is invalid: spec.schedule: Invalid value: "0 0 * constructor *": failed to parse int from constructor: strconv.Atoi: parsing "constructor": invalid syntax', fields: ['spec.schedule'] },
  { name: 'an Impersonate-Extra-__proto__ header (a 500 before)', method: 'GET', path: pods, headers: { 'Impersonate-User': 'bob', 'Impersonate-Extra-__proto__': 'x' }, code: 403, reason: 'Forbidden', message: `pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "${NS}"` },
  { name: 'an Impersonate-Extra- header with a malformed escape', method: 'GET', path: pods, headers: { 'Impersonate-User': 'bob', 'Impersonate-Extra-a%zz': 'x' }, code: 500, reason: 'InternalError', message: 'Internal error occurred: invalid URL escape "%zz"' },
  { name: 'a namespace other than the URL\'s', method: 'POST', path: pods, body: podJSON('nsm', {}, { namespace: 'other' }), code: 400, reason: 'BadRequest', message: 'the namespace of the provided object does not match the namespace sent on the request' },

  // ---- query parameters
  { name: 'a label selector that does not parse', method: 'GET', path: `${pods}?labelSelector=${encodeURIComponent('a in (b')}`, code: 400, reason: 'BadRequest', message: "unable to parse requirement: found '', expected: ',' or ')'" },
  { name: 'a field selector on an unsupported field', method: 'GET', path: `${pods}?fieldSelector=spec.foo%3Dbar`, code: 400, reason: 'BadRequest', message: 'field label not supported: spec.foo' },
  { name: 'a field selector on "__proto__" (a 500 before)', method: 'GET', path: `${pods}?fieldSelector=__proto__%3Dx`, code: 400, reason: 'BadRequest', message: 'field label not supported: __proto__' },
  { name: 'a field selector on "constructor" (it matched through Object.prototype)', method: 'GET', path: `${pods}?fieldSelector=constructor%21%3Dx`, code: 400, reason: 'BadRequest', message: 'field label not supported: constructor' },
  { name: 'limit=abc', method: 'GET', path: `${pods}?limit=abc`, code: 400, reason: 'BadRequest', message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
  { name: 'a continue token that is not one', method: 'GET', path: `${pods}?limit=1&continue=garbage`, code: 400, reason: 'BadRequest', message: /^continue key is not valid/ },
  { name: 'resourceVersion garbage on a list', method: 'GET', path: `${pods}?resourceVersion=abc`, code: 400, reason: 'BadRequest', message: 'invalid resource version: abc' },
  { name: 'timeoutSeconds=abc on a watch', method: 'GET', path: `${pods}?watch=1&timeoutSeconds=abc`, code: 400, reason: 'BadRequest', message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
  { name: 'dryRun=bogus', method: 'POST', path: `${pods}?dryRun=bogus`, body: podJSON('dry'), code: 400, reason: 'BadRequest', message: 'Invalid dry run value: bogus' },
  { name: 'fieldValidation=bogus', method: 'POST', path: `${pods}?fieldValidation=bogus`, body: podJSON('fv'), code: 400, reason: 'BadRequest', message: 'fieldValidation invalid value: bogus' },
  { name: 'a fieldManager over 128 bytes', method: 'POST', path: `${pods}?fieldManager=${'m'.repeat(200)}`, body: podJSON('fm'), code: 422, reason: 'Invalid', message: 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes', fields: ['fieldManager'] },

  { name: 'a Table with an includeObject it cannot carry', method: 'GET', path: `${pods}?includeObject=Bogus`, headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }, code: 400, reason: 'BadRequest', message: "Unable to convert to Table as requested: includeObject: Invalid value: \"Bogus\": must be 'Metadata', 'Object', 'None', or empty" },

  { name: 'orphanDependents with a propagationPolicy', method: 'DELETE', path: `${pods}/target?orphanDependents=true&propagationPolicy=Background&dryRun=All`, code: 422, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set', fields: ['propagationPolicy'] },
  { name: 'an unknown propagationPolicy', method: 'DELETE', path: `${pods}/target?propagationPolicy=bogus&dryRun=All`, code: 422, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "bogus": supported values: "Foreground", "Background", "Orphan"', fields: ['propagationPolicy'] },

  // ---- content negotiation
  { name: 'an Accept type the server cannot produce', method: 'GET', path: pods, headers: { Accept: 'text/html' }, code: 406, reason: 'NotAcceptable', message: 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf' },
];

before(async () => {
  tc = await startTestCluster();
  const ns = await send('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: NS } }));
  assert.equal(ns.code, 201, ns.text);
  // its default service account, which the serviceaccount controller (not run here) would make
  assert.equal((await send('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, JSON.stringify({ metadata: { name: 'default' } }))).code, 201);
  // The objects the patch and delete cases work on.
  assert.equal((await send('POST', pods, podJSON('target'))).code, 201);
  assert.equal((await send('POST', deploys, deployJSON('web', {}))).code, 201);
});
after(async () => { await tc?.close(); });

/** expectStatus checks a failure Status: code, reason, message and the causes' fields. */
function expectStatus(r: Reply, c: Pick<Case, 'code' | 'reason' | 'message' | 'fields'>): void {
  assert.ok(r.body, `not JSON: ${r.text.slice(0, 200)}`);
  assert.deepEqual([r.code, r.body.kind, r.body.apiVersion, r.body.status, r.body.reason, r.body.code], [c.code, 'Status', 'v1', 'Failure', c.reason, c.code], r.text.slice(0, 400));
  if (typeof c.message === 'string') assert.equal(r.body.message, c.message);
  else assert.match(r.body.message, c.message);
  if (c.fields) assert.deepEqual(r.body.details?.causes?.map((x: { field: string }) => x.field), c.fields);
}

describe('bad requests get Kubernetes\' Status', () => {
  for (const c of cases) {
    it(c.name, async () => {
      expectStatus(await send(c.method, c.path, c.body, c.headers), c);
    });
  }
});

describe('bad patches', () => {
  const target = `${pods}/target`;
  it('a merge patch that changes the kind is 422 on "patch" (it was silently undone)', async () => {
    const r = await send('PATCH', target, JSON.stringify({ kind: 'Service' }), MERGE);
    expectStatus(r, { code: 422, reason: 'Invalid', message: /^ "" is invalid: patch: Invalid value: ".*": converting \(v1\.Service\) to \(core\.Pod\): unknown conversion$/s, fields: ['patch'] });
  });
  it('a merge patch that leaves a wrong type is 422 on "patch", the decoder\'s words after the value', async () => {
    const r = await send('PATCH', `${deploys}/web`, JSON.stringify({ spec: { replicas: 'x' } }), MERGE);
    expectStatus(r, { code: 422, reason: 'Invalid', message: /: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/, fields: ['patch'] });
  });
  it('a merge patch that is not an object is 400 Invalid JSON Patch', async () => {
    expectStatus(await send('PATCH', target, '[]', MERGE), { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' });
  });
  it('a JSON patch on a missing path is 422 with kube-apiserver\'s generic text', async () => {
    const r = await send('PATCH', target, JSON.stringify([{ op: 'replace', path: '/metadata/labels/x', value: 'y' }]), { 'Content-Type': 'application/json-patch+json' });
    expectStatus(r, { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
  });
  it('a JSON patch that is an object is 400', async () => {
    const r = await send('PATCH', target, '{}', { 'Content-Type': 'application/json-patch+json' });
    expectStatus(r, { code: 400, reason: 'BadRequest', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' });
  });
  it('a patch renaming the object is 400', async () => {
    const r = await send('PATCH', target, JSON.stringify({ metadata: { name: 'other' } }), MERGE);
    expectStatus(r, { code: 400, reason: 'BadRequest', message: 'the name of the object (other) does not match the name on the URL (target)' });
  });
  it('a patch body of a type PATCH does not consume is go-restful\'s bare 415', async () => {
    const r = await send('PATCH', target, '{}', { 'Content-Type': 'application/json' });
    expectStatus(r, { code: 415, reason: 'UnsupportedMediaType', message: '415: Unsupported Media Type' });
  });
  it('a bodiless patch of such a type reaches the handler, which lists the patch types', async () => {
    const r = await send('PATCH', target, '', { 'Content-Type': 'application/json' });
    expectStatus(r, { code: 415, reason: 'UnsupportedMediaType', message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml' });
  });
  it('a Scale naming another object is 400 (it scaled the URL\'s object)', async () => {
    const r = await send('PUT', `${deploys}/web/scale`, JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'other' }, spec: { replicas: 7 } }));
    expectStatus(r, { code: 400, reason: 'BadRequest', message: 'the name of the object (other) does not match the name on the URL (web)' });
    const d = await send('GET', `${deploys}/web`);
    assert.equal(d.body.spec.replicas, 1);
  });
  it('a patch that removes metadata leaves no name: 400 (it was stored with the name filled back in)', async () => {
    const r = await send('PATCH', target, JSON.stringify({ metadata: null }), MERGE);
    expectStatus(r, { code: 400, reason: 'BadRequest', message: 'the name of the object (target based on URL) was undeterminable: name must be provided' });
  });
  it('an update without a name is 400', async () => {
    const r = await send('PUT', target, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
    expectStatus(r, { code: 400, reason: 'BadRequest', message: 'the name of the object (target based on URL) was undeterminable: name must be provided' });
  });
  it('$deleteFromPrimitiveList with a non-list value is 400', async () => {
    const r = await send('PATCH', target, JSON.stringify({ metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }), { 'Content-Type': 'application/strategic-merge-patch+json' });
    expectStatus(r, { code: 400, reason: 'BadRequest', message: 'invalid patch format of primitive list' });
  });
  it('a merge patch with a "__proto__" key pollutes no object (it took the server down)', async () => {
    const r = await send('PATCH', target, '{"__proto__":{"polluted":"yes"},"metadata":{"labels":{"__proto__":"x"}}}', MERGE);
    assert.ok(r.code >= 400 && r.code < 500, r.text);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await send('GET', target)).code, 200);
  });
  it('a strategic merge patch with a "__proto__" key pollutes no object', async () => {
    const r = await send('PATCH', target, '{"__proto__":{"polluted":"yes"},"spec":{"__proto__":{"polluted":"yes"}}}', { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.ok(r.code < 500, r.text);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  it('a label selector naming "__proto__" is an invalid key, "constructor" a plain one', async () => {
    expectStatus(await send('GET', `${pods}?labelSelector=__proto__`), { code: 400, reason: 'BadRequest', message: /^unable to parse requirement: <nil>: Invalid value: "__proto__": name part must consist/ });
    assert.equal((await send('GET', `${pods}?labelSelector=constructor`)).code, 200);
  });
  it('DELETE on the status subresource is 405 and deletes nothing (it deleted the object)', async () => {
    expectStatus(await send('DELETE', `${target}/status`), { code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED });
    assert.equal((await send('GET', target)).code, 200);
  });
  it('a path past a subresource is 404 (it served the subresource)', async () => {
    expectStatus(await send('GET', `${target}/status/extra`), { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
  });
  it('DELETE on a namespace\'s status is 405 and the namespace stays', async () => {
    expectStatus(await send('DELETE', `/api/v1/namespaces/${NS}/status`), { code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED });
    assert.equal((await send('GET', `/api/v1/namespaces/${NS}`)).body.status.phase, 'Active');
  });
  it('a review resource: GET is 405, a named path 404', async () => {
    expectStatus(await send('GET', '/apis/authentication.k8s.io/v1/tokenreviews'), { code: 405, reason: 'MethodNotAllowed', message: METHOD_NOT_ALLOWED });
    expectStatus(await send('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x', '{}'), { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
  });
  it('a stale resourceVersion on update is 409 Conflict', async () => {
    const r = await send('PUT', target, podJSON('target', {}, { resourceVersion: '1' }));
    expectStatus(r, { code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on pods "target": the object has been modified; please apply your changes to the latest version and try again' });
  });
});

describe('bad delete options', () => {
  const cases: { name: string; body: string; code: number; reason: string; message: string }[] = [
    { name: 'null (a 500 before)', body: 'null', code: 0, reason: '', message: '' },
    { name: 'an array', body: '[]', code: 400, reason: 'BadRequest', message: 'error decoding DeleteOptions: json: cannot unmarshal array into Go value of type v1.DeleteOptions' },
    { name: 'another kind', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }), code: 400, reason: 'BadRequest', message: 'error decoding DeleteOptions: no kind "Pod" is registered for version "v1"' },
    { name: 'a string grace period', body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 'x' }), code: 400, reason: 'BadRequest', message: 'error decoding DeleteOptions: json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64' },
    { name: 'an unknown dry run value', body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['bogus'] }), code: 422, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"bogus"}: supported values: "All"' },
    { name: 'an unknown propagation policy', body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'bogus' }), code: 422, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "bogus": supported values: "Foreground", "Background", "Orphan"' },
    { name: 'truncated JSON', body: '{"kind":', code: 400, reason: 'BadRequest', message: 'error decoding DeleteOptions: unexpected end of JSON input' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const name = `del-${cases.indexOf(c)}`;
      assert.equal((await send('POST', cms, JSON.stringify({ metadata: { name } }))).code, 201);
      const r = await send('DELETE', `${cms}/${name}`, c.body);
      if (c.code === 0) {
        // JSON null is no options at all: an ordinary delete
        assert.equal(r.code, 200, r.text);
        return;
      }
      expectStatus(r, c);
      // a refused delete deletes nothing
      assert.equal((await send('GET', `${cms}/${name}`)).code, 200);
    });
  }
});

describe('afterwards', () => {
  it('the server still answers and the store holds only what valid requests made', async () => {
    const list = async (path: string) => {
      const r = await send('GET', path);
      assert.equal(r.code, 200, r.text);
      return (r.body.items as { metadata: { name: string } }[]).map((o) => o.metadata.name).sort();
    };
    assert.deepEqual(await list(pods), ['target']);
    assert.deepEqual(await list(deploys), ['web']);
    assert.deepEqual(await list(`/apis/batch/v1/namespaces/${NS}/cronjobs`), []);
    // the configmaps: the delete cases' survivors only (kube-root-ca.crt aside, if a controller made one)
    assert.deepEqual((await list(cms)).filter((n) => n !== 'kube-root-ca.crt'), ['del-1', 'del-2', 'del-3', 'del-4', 'del-5', 'del-6']);
    const pod = await send('GET', `${pods}/target`);
    assert.equal(pod.body.kind, 'Pod');
    assert.equal(pod.body.spec.containers[0].name, 'c');
  });
});

// The same answers as the real kubectl prints them, against `tskube up` (skipped without kubectl).
describeNeeding('bad input through the real kubectl', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  let c: Cluster;
  const k = (args: string[], input?: string) => kubectl(c, args, { input });
  before(async () => {
    c = await startCluster({ nodes: 0 });
    const r = await k(['create', 'deployment', 'web', '--image=nginx']);
    assert.equal(r.code, 0, r.stderr);
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  const cases: { name: string; args: string[]; input?: string; stderr: string | RegExp }[] = [
    { name: 'a merge patch leaving a wrong type', args: ['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":"x"}}'], stderr: /^The request is invalid: patch: Invalid value: ".*": json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/s },
    // kubectl patch's default (and kubectl edit's) is a strategic merge patch: its result is converted from a map.
    { name: 'a strategic merge patch leaving a wrong type', args: ['patch', 'deployment', 'web', '-p', '{"spec":{"replicas":"two"}}'], stderr: 'The request is invalid: patch: Invalid value: "map[spec:map[replicas:two]]": unrecognized type: int32' },
    { name: 'a merge patch changing the kind', args: ['patch', 'deployment', 'web', '--type=merge', '-p', '{"kind":"Service"}'], stderr: /^The request is invalid: patch: Invalid value: ".*": converting \(v1\.Service\) to \(apps\.Deployment\): unknown conversion$/s },
    { name: 'POST on an object', args: ['create', '--raw', '/apis/apps/v1/namespaces/default/deployments/web', '-f', '-'], input: '{}', stderr: 'Error from server (MethodNotAllowed): the server does not allow this method on the requested resource' },
    { name: 'DELETE /api', args: ['delete', '--raw', '/api'], stderr: 'Error from server (MethodNotAllowed): the server does not allow this method on the requested resource' },
    { name: 'a field selector on "constructor"', args: ['get', 'pods', '--field-selector', 'constructor=x'], stderr: 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "constructor=x": field label not supported: constructor' },
    {
      name: 'an object past etcd\'s 1.5 MiB',
      args: ['create', '-f', '-'],
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big-env' }, spec: { containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: 'x'.repeat(2 * 1024 * 1024) }] }] } }),
      stderr: 'Error from server (RequestEntityTooLarge): error when creating "STDIN": Request entity too large: limit is 3145728',
    },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const r = await k(tc.args, tc.input);
      assert.equal(r.code, 1, r.stdout);
      if (typeof tc.stderr === 'string') assert.equal(r.stderr.trim(), tc.stderr);
      else assert.match(r.stderr.trim(), tc.stderr);
    });
  }

  it('a "__proto__" merge patch leaves the server answering and the deployment as it was', async () => {
    const r = await k(['patch', 'deployment', 'web', '--type=merge', '-p', '{"__proto__":{"polluted":"yes"}}']);
    assert.notEqual(r.stderr, '', 'refused or a no-op, never a crash');
    const get = await k(['get', 'deployment', 'web', '-o', 'jsonpath={.kind}/{.spec.replicas}']);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, 'Deployment/1');
    const pods = await k(['get', 'pods', '-o', 'name']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.doesNotMatch(pods.stdout, /big-env/);
  });
});
