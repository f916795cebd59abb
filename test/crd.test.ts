// End-to-end: CustomResourceDefinitions on `tskube up`, driven by the real kubectl and
// @kubernetes/client-node — the CronTab example of Kubernetes' documentation, as an operator ships it.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';
import { crdYAML, customResourceYAML, type CRDFixture } from './crd-fixtures.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

/** CRONTAB is the CronTab CRD of Kubernetes' documentation, with printer columns and a scale subresource. */
const CRONTAB: CRDFixture = {
  group: 'stable.example.com',
  names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], categories: ['all'] },
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        description: 'CronTabSpec says when and what to run.',
        properties: {
          cronSpec: {
            type: 'string',
            description: 'The cron spec defining the interval a CronJob is run',
            pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$',
          },
          image: { type: 'string', description: 'The image the CronTab runs' },
          replicas: { type: 'integer', description: 'The number of jobs launched by the CronJob', minimum: 1, maximum: 10, default: 1 },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' }, labelSelector: { type: 'string' } } },
    },
  },
  subresources: {
    status: {},
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' },
  },
  additionalPrinterColumns: [
    { name: 'Spec', type: 'string', description: 'The cron spec defining the interval a CronJob is run', jsonPath: '.spec.cronSpec' },
    { name: 'Replicas', type: 'integer', description: 'The number of jobs launched by the CronJob', jsonPath: '.spec.replicas' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
const CRD = crdYAML(CRONTAB);

const cronTab = (name: string, spec: string) => customResourceYAML('stable.example.com/v1', 'CronTab', name, spec);

// A CRD whose schema carries x-kubernetes-validations (CEL) rules: a cross-field rule with a
// message, one without, and an immutable field (a transition rule on oldSelf).
const WEBAPP: CRDFixture = {
  group: 'cel.example.com',
  names: { plural: 'webapps', singular: 'webapp', kind: 'WebApp' },
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.minReplicas <= self.replicas', message: 'replicas must be at least minReplicas' },
          { rule: 'self.replicas <= self.maxReplicas' },
        ],
        properties: {
          image: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'image is immutable' }] },
          minReplicas: { type: 'integer', default: 1 },
          replicas: { type: 'integer' },
          maxReplicas: { type: 'integer', default: 10 },
        },
      },
    },
  },
};
const WEBAPP_CRD = crdYAML(WEBAPP);

const webApp = (name: string, spec: string) => customResourceYAML('cel.example.com/v1', 'WebApp', name, spec);

async function json<T>(args: string[]): Promise<T> {
  const r = await k([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

interface Cond { type: string; status: string; reason?: string; message?: string }
interface CRDJSON { status: { conditions?: Cond[]; acceptedNames: { kind: string; plural: string; shortNames?: string[] }; storedVersions: string[] } }

describeNeeding('CustomResourceDefinitions', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); });
  after(async () => { await c?.stop(); });

  it('creates the CRD, which becomes Established with its names accepted', async () => {
    const r = await k(['apply', '-f', '-'], CRD);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/);
    const w = await k(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com']);
    assert.equal(w.code, 0, w.stderr);
    const crd = await json<CRDJSON>(['get', 'crd', 'crontabs.stable.example.com']);
    const cond = (t: string) => crd.status.conditions?.find((x) => x.type === t);
    assert.deepEqual({ ...cond('NamesAccepted'), lastTransitionTime: undefined }, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: undefined });
    assert.equal(cond('Established')?.reason, 'InitialNamesAccepted');
    assert.deepEqual(crd.status.acceptedNames.shortNames, ['ct']);
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    const table = await k(['get', 'crds']);
    assert.match(table.stdout, /^NAME\s+CREATED AT\n/);
    assert.match(table.stdout, /crontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/);
  });

  it('serves CronTabs: defaults applied, printer columns in kubectl get ct', async () => {
    const r = await k(['apply', '-f', '-'], cronTab('my-new-cron-object', '  cronSpec: "* * * * */5"\n  image: my-awesome-cron-image\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /crontab.stable.example.com\/my-new-cron-object created/);
    const obj = await json<{ spec: { replicas: number }; metadata: { generation: number } }>(['get', 'crontab', 'my-new-cron-object']);
    assert.equal(obj.spec.replicas, 1, 'the schema default fills spec.replicas');
    assert.equal(obj.metadata.generation, 1);
    const t = await k(['get', 'ct']);
    assert.equal(t.code, 0, t.stderr);
    const [head, row] = t.stdout.trimEnd().split('\n');
    assert.deepEqual(head.split(/\s{2,}/), ['NAME', 'SPEC', 'REPLICAS', 'AGE']);
    assert.deepEqual(row.split(/\s{2,}/).slice(0, 3), ['my-new-cron-object', '* * * * */5', '1']);
    const all = await k(['get', 'all']);
    assert.match(all.stdout, /crontab\.stable\.example\.com\/my-new-cron-object/, 'the "all" category lists CronTabs');
  });

  it('refuses invalid CronTabs with Kubernetes\' messages', async () => {
    const bad = await k(['apply', '-f', '-'], cronTab('bad', '  cronSpec: "x"\n  replicas: 20\n'));
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr, [
      'The CronTab "bad" is invalid: ',
      `* spec.cronSpec: Invalid value: "x": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`,
      '* spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10',
      '',
    ].join('\n'));
    const typed = await k(['create', '-f', '-'], cronTab('bad', '  cronSpec: "* * * * *"\n  replicas: "many"\n'));
    assert.match(typed.stderr, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/);
    const unknown = await k(['apply', '-f', '-'], cronTab('bad', '  cronSpec: "* * * * *"\n  colour: red\n'));
    assert.match(unknown.stderr, /Error from server \(BadRequest\): error when creating "STDIN": CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.colour"/);
    const warned = await k(['apply', '--validate=warn', '-f', '-'], cronTab('lenient', '  cronSpec: "* * * * *"\n  colour: red\n'));
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /Warning: unknown field "spec.colour"/);
    const pruned = await json<{ spec: Record<string, unknown> }>(['get', 'ct', 'lenient']);
    assert.equal(pruned.spec.colour, undefined, 'unknown fields are pruned');
    const smp = await k(['patch', 'ct', 'lenient', '-p', '{"spec":{"image":"x"}}']);
    assert.match(smp.stderr, /the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/);
    const merge = await k(['patch', 'ct', 'lenient', '--type=merge', '-p', '{"spec":{"image":"x"}}']);
    assert.equal(merge.code, 0, merge.stderr);
  });

  it('explains CronTab fields from the published OpenAPI', async () => {
    const r = await k(['explain', 'crontab.spec']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+CronTab/);
    assert.match(r.stdout, /CronTabSpec says when and what to run\./);
    assert.match(r.stdout, /cronSpec\t<string>\n\s+The cron spec defining the interval a CronJob is run/);
    assert.match(r.stdout, /replicas\t<integer>/);
  });

  it('scales a CronTab through its scale subresource', async () => {
    const r = await k(['scale', 'ct/my-new-cron-object', '--replicas=3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /crontab.stable.example.com\/my-new-cron-object scaled/);
    const obj = await json<{ spec: { replicas: number }; metadata: { generation: number } }>(['get', 'ct', 'my-new-cron-object']);
    assert.equal(obj.spec.replicas, 3);
    assert.equal(obj.metadata.generation, 2);
  });

  it('lists and watches CronTabs with client-node\'s CustomObjectsApi', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const api = kc.makeApiClient(CustomObjectsApi);
    const list = await api.listNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs' }) as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'CronTabList');
    assert.deepEqual(list.items.map((i) => i.metadata.name).sort(), ['lenient', 'my-new-cron-object']);
    const events: string[] = [];
    const watch = new Watch(kc);
    const ac = await watch.watch('/apis/stable.example.com/v1/namespaces/default/crontabs', {}, (phase, obj: { metadata: { name: string } }) => {
      events.push(`${phase} ${obj.metadata.name}`);
    }, () => undefined);
    try {
      await api.createNamespacedCustomObject({
        group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs',
        body: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'from-client' }, spec: { cronSpec: '0 * * * *', image: 'x' } },
      });
      await api.patchNamespacedCustomObject({
        group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs', name: 'from-client',
        body: [{ op: 'replace', path: '/spec/image', value: 'y' }],
      });
      await waitFor(async () => events.includes('ADDED from-client') && events.includes('MODIFIED from-client'), `watch events, got ${events.join(', ')}`);
    } finally {
      ac.abort();
    }
  });

  it('collects CronTabs whose owner is gone, and dependents of a deleted CronTab', async () => {
    assert.equal((await k(['create', 'configmap', 'owner'])).code, 0);
    const owner = await json<{ metadata: { uid: string } }>(['get', 'configmap', 'owner']);
    const owned = `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: owned
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: owner
    uid: ${owner.metadata.uid}
spec:
  cronSpec: "* * * * *"
`;
    assert.equal((await k(['apply', '-f', '-'], owned)).code, 0);
    const ct = await json<{ metadata: { uid: string } }>(['get', 'ct', 'owned']);
    const dependent = `apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  ownerReferences:
  - apiVersion: stable.example.com/v1
    kind: CronTab
    name: owned
    uid: ${ct.metadata.uid}
`;
    assert.equal((await k(['apply', '-f', '-'], dependent)).code, 0);
    assert.equal((await k(['delete', 'configmap', 'owner'])).code, 0);
    await waitFor(async () => (await k(['get', 'ct', 'owned'])).code !== 0, 'the CronTab collected with its owner');
    await waitFor(async () => (await k(['get', 'configmap', 'dependent'])).code !== 0, 'the CronTab\'s dependent collected');
  });

  it('deleting a namespace deletes its CronTabs', async () => {
    assert.equal((await k(['create', 'namespace', 'tabs'])).code, 0);
    assert.equal((await k(['apply', '-n', 'tabs', '-f', '-'], cronTab('in-ns', '  cronSpec: "* * * * *"\n'))).code, 0);
    const d = await k(['delete', 'namespace', 'tabs', '--timeout=60s']);
    assert.equal(d.code, 0, d.stderr);
    const all = await json<{ items: { metadata: { namespace: string } }[] }>(['get', 'ct', '-A']);
    assert.deepEqual(all.items.filter((i) => i.metadata.namespace === 'tabs'), []);
  });

  it('reports a kind already in use by another CRD of the group', async () => {
    const other = crdYAML({ ...CRONTAB, names: { ...CRONTAB.names, plural: 'crontabs2', singular: 'crontab2', shortNames: undefined } });
    const r = await k(['apply', '-f', '-'], other);
    assert.equal(r.code, 0, r.stderr);
    const cond = await waitFor(async () => {
      const crd = await json<CRDJSON>(['get', 'crd', 'crontabs2.stable.example.com']);
      return crd.status.conditions?.find((x) => x.type === 'NamesAccepted');
    }, 'NamesAccepted');
    // Each conflicting name overwrites the reason; listKind is judged last, as in Kubernetes.
    assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'ListKindConflict', '"CronTabList" is already in use']);
    const established = await json<CRDJSON>(['get', 'crd', 'crontabs2.stable.example.com']);
    assert.equal(established.status.conditions?.find((x) => x.type === 'Established')?.reason, 'NotAccepted');
    assert.equal((await k(['delete', 'crd', 'crontabs2.stable.example.com'])).code, 0);
  });

  it('refuses an invalid CRD as Kubernetes does', async () => {
    // The group has no dot, and a field of spec has no type.
    const schema = structuredClone(CRONTAB.schema) as { properties: { spec: { properties: { image: { type?: string } } } } };
    delete schema.properties.spec.properties.image.type;
    const bad = crdYAML({ ...CRONTAB, group: 'example', schema });
    const r = await k(['create', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The CustomResourceDefinition "crontabs.example" is invalid: /);
    assert.match(r.stderr, /\* metadata.name: Invalid value: "crontabs.example": must be spec.names.plural\+"."\+spec.group|\* spec.group: Invalid value: "example": should be a domain with at least one dot/);
    assert.match(r.stderr, /spec.validation.openAPIV3Schema.properties\[spec\].properties\[image\].type: Required value: must not be empty for specified object fields/);
  });

  it('deleting the CRD deletes every CronTab and the resource with it', async () => {
    const r = await k(['delete', 'crd', 'crontabs.stable.example.com']);
    assert.equal(r.code, 0, r.stderr);
    const crds = await k(['get', 'crd']);
    assert.doesNotMatch(crds.stdout, /crontabs\.stable\.example\.com/);
    const groups = await k(['api-versions']);
    assert.doesNotMatch(groups.stdout, /stable\.example\.com/);
    // A new CRD of the same name starts empty: the old objects went with the old one.
    assert.equal((await k(['apply', '-f', '-'], CRD)).code, 0);
    assert.equal((await k(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com'])).code, 0);
    const list = await waitFor(async () => {
      const l = await k(['get', 'crontabs', '-o', 'json']);
      return l.code === 0 ? JSON.parse(l.stdout) as { items: unknown[] } : undefined;
    }, 'crontabs served again');
    assert.deepEqual(list.items, []);
  });

  it('enforces x-kubernetes-validations rules with Kubernetes\' messages', async () => {
    const r = await k(['apply', '-f', '-'], WEBAPP_CRD);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await k(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/webapps.cel.example.com'])).code, 0);
    const bad = await waitFor(async () => {
      const x = await k(['apply', '-f', '-'], webApp('web', '  image: nginx:1.27\n  minReplicas: 3\n  replicas: 2\n'));
      return /the server could not find the requested resource|no matches for kind/.test(x.stderr) ? undefined : x;
    }, 'WebApps served');
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr, 'The WebApp "web" is invalid: spec: Invalid value: "object": replicas must be at least minReplicas\n');
    const both = await k(['apply', '-f', '-'], webApp('web', '  image: nginx:1.27\n  minReplicas: 3\n  replicas: 2\n  maxReplicas: 1\n'));
    assert.equal(both.stderr, [
      'The WebApp "web" is invalid: ',
      '* spec: Invalid value: "object": replicas must be at least minReplicas',
      '* spec: Invalid value: "object": failed rule: self.replicas <= self.maxReplicas',
      '',
    ].join('\n'));
    const ok = await k(['apply', '-f', '-'], webApp('web', '  image: nginx:1.27\n  replicas: 2\n'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /webapp.cel.example.com\/web created/);
  });

  it('refuses an update that changes an immutable field (self == oldSelf), and allows others', async () => {
    const changed = await k(['apply', '-f', '-'], webApp('web', '  image: nginx:1.28\n  replicas: 2\n'));
    assert.notEqual(changed.code, 0);
    assert.equal(changed.stderr, 'The WebApp "web" is invalid: spec.image: Invalid value: "string": image is immutable\n');
    const patched = await k(['patch', 'webapp', 'web', '--type=merge', '-p', '{"spec":{"image":"httpd"}}']);
    assert.notEqual(patched.code, 0);
    assert.match(patched.stderr, /The WebApp "web" is invalid: spec\.image: Invalid value: "string": image is immutable/);
    const scaled = await k(['apply', '-f', '-'], webApp('web', '  image: nginx:1.27\n  replicas: 4\n'));
    assert.equal(scaled.code, 0, scaled.stderr);
    const obj = await json<{ spec: { image: string; replicas: number } }>(['get', 'webapp', 'web']);
    assert.deepEqual([obj.spec.image, obj.spec.replicas], ['nginx:1.27', 4]);
  });

  it('refuses a CRD whose rule does not compile, with cel-go\'s message', async () => {
    const schema = structuredClone(WEBAPP.schema) as { properties: { spec: { 'x-kubernetes-validations': { rule: string }[] } } };
    schema.properties.spec['x-kubernetes-validations'][1].rule = 'self.replicas <= self.maxReplica';
    const broken = crdYAML({ ...WEBAPP, names: { plural: 'brokenapps', singular: 'brokenapp', kind: 'BrokenApp' }, schema });
    const r = await k(['create', '-f', '-'], broken);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr, 'The CustomResourceDefinition "brokenapps.cel.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: '
      + 'Invalid value: apiextensions.ValidationRule{Rule:"self.replicas <= self.maxReplica", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: '
      + "compilation failed: ERROR: <input>:1:22: undefined field 'maxReplica'\n | self.replicas <= self.maxReplica\n | .....................^\n");
  });
});
