// End-to-end: admission webhooks and ValidatingAdmissionPolicy with the real kubectl against
// `tskube up`: a mutating webhook labels pods, a validating one refuses labelled pods, failurePolicy
// Fail vs Ignore with the webhook server down, and a policy capping Deployment replicas.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';
import { jsonPatch, startWebhookServer, type TestWebhookServer } from '../src/admission/testing/webhook-server.js';

let c: Cluster;
let hooks: TestWebhookServer;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

const webhookYaml = (kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string, hook: string, url: string, caBundle: string, failurePolicy = 'Fail') => `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}}
webhooks:
- name: ${hook}
  clientConfig: {url: "${url}", caBundle: "${caBundle}"}
  rules:
  - {operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}
  failurePolicy: ${failurePolicy}
  sideEffects: None
  admissionReviewVersions: [v1]
`;

describeNeeding('admission webhooks and ValidatingAdmissionPolicy with kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 0 });
    hooks = await startWebhookServer({
      '/mutate': () => ({ allowed: true, ...jsonPatch([{ op: 'add', path: '/metadata/labels/admission.example.com~1mutated', value: 'yes' }]), warnings: ['labelled by the test webhook'] }),
      '/validate': (req) => {
        const labels = ((req.object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {});
        return labels.forbidden === 'true' ? { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'pods labelled forbidden=true are not allowed' } } : { allowed: true };
      },
    });
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await hooks?.close();
    await c?.stop();
  }, { timeout: 60_000 });

  it('discovery lists the admissionregistration.k8s.io resources', async () => {
    const r = await k(['api-resources', '--api-group=admissionregistration.k8s.io', '--no-headers']);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((x) => [x[0], x[1], x[2], x[3]]), [
      ['mutatingwebhookconfigurations', 'admissionregistration.k8s.io/v1', 'false', 'MutatingWebhookConfiguration'],
      ['validatingadmissionpolicies', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicy'],
      ['validatingadmissionpolicybindings', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicyBinding'],
      ['validatingwebhookconfigurations', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingWebhookConfiguration'],
    ]);
  });

  it('a mutating webhook labels pods and a validating webhook refuses them, as kubectl shows', async () => {
    let r = await k(['apply', '-f', '-'], webhookYaml('MutatingWebhookConfiguration', 'label-pods', 'label.admission.example.com', `${hooks.url}/mutate`, hooks.caBundle)
      + '---\n' + webhookYaml('ValidatingWebhookConfiguration', 'refuse-pods', 'refuse.admission.example.com', `${hooks.url}/validate`, hooks.caBundle));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'mutatingwebhookconfiguration.admissionregistration.k8s.io/label-pods created\nvalidatingwebhookconfiguration.admissionregistration.k8s.io/refuse-pods created\n');
    r = await k(['get', 'mutatingwebhookconfigurations']);
    assert.match(r.stdout, /^NAME\s+WEBHOOKS\s+AGE\nlabel-pods\s+1\s+\d+s\n$/);
    // The configuration reaches the API server's cache through its watch: a server-side dry run shows when.
    await waitFor(async () => (await k(['run', 'probe', '--image=nginx', '--dry-run=server', '-o', 'jsonpath={.metadata.labels}'])).stdout.includes('mutated'), 'the mutating webhook in effect');
    r = await k(['run', 'web', '--image=nginx']);
    assert.equal(r.stdout, 'pod/web created\n');
    // The webhook's warnings come back as Warning headers, which kubectl prints.
    assert.equal(r.stderr, 'Warning: labelled by the test webhook\n');
    r = await k(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.labels}']);
    assert.deepEqual(JSON.parse(r.stdout), { 'admission.example.com/mutated': 'yes', run: 'web' });
    r = await k(['run', 'bad', '--image=nginx', '--labels=forbidden=true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): admission webhook "refuse.admission.example.com" denied the request: pods labelled forbidden=true are not allowed\n');
    assert.equal((await k(['get', 'pod', 'bad'])).code, 1);
    await k(['delete', 'mutatingwebhookconfiguration', 'label-pods']);
    await k(['delete', 'validatingwebhookconfiguration', 'refuse-pods']);
  });

  it('with the webhook server down, failurePolicy Fail refuses and Ignore admits', async () => {
    const down = await startWebhookServer({ '/validate': () => ({ allowed: true }) });
    const url = `${down.url}/validate`;
    await down.close();
    let r = await k(['apply', '-f', '-'], webhookYaml('ValidatingWebhookConfiguration', 'down', 'down.admission.example.com', url, down.caBundle, 'Fail'));
    assert.equal(r.code, 0, r.stderr);
    const want = `Error from server (InternalError): Internal error occurred: failed calling webhook "down.admission.example.com": failed to call webhook: Post "${url}?timeout=10s": dial tcp 127.0.0.1:${down.port}: connect: connection refused\n`;
    await waitFor(async () => (await k(['run', 'failclosed', '--image=nginx', '--dry-run=server'])).code === 1, 'the failing webhook in effect');
    r = await k(['run', 'failclosed', '--image=nginx']);
    assert.equal(r.stderr, want);
    r = await k(['patch', 'validatingwebhookconfiguration', 'down', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await k(['run', 'failopen', '--image=nginx', '--dry-run=server'])).code === 0, 'failurePolicy Ignore in effect');
    r = await k(['run', 'failopen', '--image=nginx']);
    assert.equal(r.stdout, 'pod/failopen created\n');
    await k(['delete', 'validatingwebhookconfiguration', 'down']);
  });

  it('a ValidatingAdmissionPolicy and binding refuse a Deployment with more than 5 replicas', async () => {
    let r = await k(['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: demo-policy.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo-binding-test.example.com}
spec:
  policyName: demo-policy.example.com
  validationActions: [Deny]
`);
    assert.equal(r.code, 0, r.stderr);
    r = await k(['get', 'validatingadmissionpolicies']);
    assert.match(r.stdout, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\ndemo-policy\.example\.com\s+1\s+<unset>\s+\d+s\n$/);
    r = await k(['get', 'validatingadmissionpolicybindings']);
    assert.match(r.stdout, /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\ndemo-binding-test\.example\.com\s+demo-policy\.example\.com\s+<unset>\s+\d+s\n$/);
    await waitFor(async () => (await k(['create', 'deployment', 'probe', '--image=nginx', '--replicas=7', '--dry-run=server'])).code === 1, 'the policy in effect');
    r = await k(['create', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx}
spec:
  replicas: 7
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: nginx}]}
`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'The deployments "nginx" is invalid: : ValidatingAdmissionPolicy \'demo-policy.example.com\' with binding \'demo-binding-test.example.com\' denied request: failed expression: object.spec.replicas <= 5\n');
    r = await k(['create', 'deployment', 'small', '--image=nginx', '--replicas=3']);
    assert.equal(r.stdout, 'deployment.apps/small created\n');
    r = await k(['get', 'validatingadmissionpolicy', 'demo-policy.example.com', '-o', 'jsonpath={.status}']);
    assert.deepEqual(JSON.parse(r.stdout), { observedGeneration: 1, typeChecking: {} });
  });
});
