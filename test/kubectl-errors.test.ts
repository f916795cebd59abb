// End-to-end: bad input gets exactly the error Kubernetes 1.32 gives, through the real kubectl.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

const RFC1123_SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const cases: { name: string; args?: string[]; manifest?: string; stderr: string }[] = [
  {
    name: 'selector does not match template labels',
    manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad-selector}
spec:
  replicas: 1
  selector: {matchLabels: {app: foo}}
  template:
    metadata: {labels: {app: bar}}
    spec: {containers: [{name: nginx, image: nginx}]}
`,
    stderr: 'The Deployment "bad-selector" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"bar"}: `selector` does not match template `labels`',
  },
  {
    name: 'negative replicas',
    manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: negative-replicas}
spec:
  replicas: -1
  selector: {matchLabels: {app: neg}}
  template:
    metadata: {labels: {app: neg}}
    spec: {containers: [{name: nginx, image: nginx}]}
`,
    stderr: 'The Deployment "negative-replicas" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  },
  {
    name: 'pod without containers',
    manifest: 'apiVersion: v1\nkind: Pod\nmetadata: {name: no-containers}\nspec: {restartPolicy: Always}\n',
    stderr: 'The Pod "no-containers" is invalid: spec.containers: Required value',
  },
  {
    name: 'container without image',
    manifest: 'apiVersion: v1\nkind: Pod\nmetadata: {name: no-image}\nspec: {containers: [{name: nginx}]}\n',
    stderr: 'The Pod "no-image" is invalid: spec.containers[0].image: Required value',
  },
  {
    name: 'upper-case name',
    manifest: 'apiVersion: v1\nkind: Pod\nmetadata: {name: MyPod}\nspec: {containers: [{name: nginx, image: nginx}]}\n',
    stderr: `The Pod "MyPod" is invalid: metadata.name: Invalid value: "MyPod": ${RFC1123_SUBDOMAIN}`,
  },
  {
    name: 'invalid cron schedule',
    manifest: `apiVersion: batch/v1
kind: CronJob
metadata: {name: bad-schedule}
spec:
  schedule: "61 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: busybox}]
`,
    stderr: 'The CronJob "bad-schedule" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
  },
  {
    name: 'unknown fields under strict validation',
    manifest: `apiVersion: v1
kind: Pod
metadata: {name: unknown-field}
spec:
  containers:
  - name: nginx
    image: nginx
    imagePullPolicyy: Always
  restartPolicyX: Never
`,
    stderr: 'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolicyy", unknown field "spec.restartPolicyX"',
  },
  {
    name: 'removed API version extensions/v1beta1 DaemonSet',
    manifest: `apiVersion: extensions/v1beta1
kind: DaemonSet
metadata: {name: fluentd}
spec:
  template:
    metadata: {labels: {app: fluentd}}
    spec: {containers: [{name: fluentd, image: fluentd}]}
`,
    stderr: 'error: resource mapping not found for name: "fluentd" namespace: "" from "STDIN": no matches for kind "DaemonSet" in version "extensions/v1beta1"\nensure CRDs are installed first',
  },
  {
    name: 'removed API version apps/v1beta1 StatefulSet',
    manifest: 'apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata: {name: web}\nspec: {}\n',
    stderr: 'error: resource mapping not found for name: "web" namespace: "" from "STDIN": no matches for kind "StatefulSet" in version "apps/v1beta1"\nensure CRDs are installed first',
  },
  {
    name: 'removed API version batch/v2alpha1 CronJob',
    manifest: 'apiVersion: batch/v2alpha1\nkind: CronJob\nmetadata: {name: hello}\nspec: {}\n',
    stderr: 'error: resource mapping not found for name: "hello" namespace: "" from "STDIN": no matches for kind "CronJob" in version "batch/v2alpha1"\nensure CRDs are installed first',
  },
  {
    // Seed 000 7.3's fluentd DaemonSet moved to apps/v1 as printed (no selector): ValidateDaemonSetSpec
    // has no Required check, the absent selector (labels.Nothing()) only fails to match the template.
    name: 'apps/v1 DaemonSet without a selector',
    manifest: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluentd-noselector}
spec:
  template:
    metadata: {labels: {app: fluentd}}
    spec: {containers: [{name: fluentd, image: busybox}]}
`,
    stderr: 'The DaemonSet "fluentd-noselector" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"fluentd"}: `selector` does not match template `labels`',
  },
  {
    // Seed 000 7.5's nginx Deployment moved from apps/v1beta1 to apps/v1 without adding a selector.
    name: 'apps/v1 Deployment without a selector',
    manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-noselector}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: webserver, image: nginx}]}
`,
    stderr: 'The Deployment "nginx-noselector" is invalid: \n* spec.selector: Required value\n* spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
  },
  {
    // Seed 001's matchExpressions with `app: app` where `key: app` was meant, without client-side validation.
    name: 'keyless matchExpressions with --validate=false',
    args: ['apply', '--validate=false', '-f', '-'],
    manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia-keyless}
spec:
  replicas: 3
  selector:
    matchExpressions:
    - app: app
      operator: In
      values: [kubia]
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: kubia, image: idealism/kubia}]}
`,
    stderr: 'The Deployment "kubia-keyless" is invalid: \n'
      + '* spec.selector.matchExpressions[0].key: Invalid value: "": name part must be non-empty\n'
      + "* spec.selector.matchExpressions[0].key: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\n"
      + '* spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"", Operator:"In", Values:[]string{"kubia"}}}}: invalid label selector',
  },
  {
    name: 'kubectl run with an upper-case name',
    args: ['run', 'BadName', '--image=nginx'],
    stderr: `The Pod "BadName" is invalid: \n* metadata.name: Invalid value: "BadName": ${RFC1123_SUBDOMAIN}\n* spec.containers[0].name: Invalid value: "BadName": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  },
];

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('bad input gets Kubernetes errors and changes nothing', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  for (const tc of cases) {
    it(tc.name, async () => {
      const r = tc.args ? await k(tc.args, tc.manifest) : await k(['apply', '-f', '-'], tc.manifest);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr.trim(), tc.stderr);
    });
  }

  it('nothing bad was stored', async () => {
    const r = await k(['get', 'all,cm', '-o', 'name']);
    // the listing itself worked (a failed get prints nothing either): it shows the kubernetes Service
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^service\/kubernetes$/m);
    assert.doesNotMatch(r.stdout, /bad-selector|negative-replicas|no-containers|no-image|unknown-field|bad-schedule|BadName|noselector|keyless/i);
  });

  it('create of an existing object is AlreadyExists', async () => {
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: twice}\n';
    let r = await k(['create', '-f', '-'], manifest);
    assert.equal(r.code, 0, r.stderr);
    r = await k(['create', '-f', '-'], manifest);
    assert.equal(r.stderr.trim(), 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "twice" already exists');
  });

  it('delete of a missing pod is NotFound', async () => {
    const r = await k(['delete', 'pod', 'does-not-exist']);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "does-not-exist" not found');
  });

  it('a request with a token nobody issued is refused', async () => {
    const r = await kubectl(c, ['get', 'pods', '--token=wrong']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
  });

  it('a pod naming a service account that does not exist is refused, in Kubernetes\' words', async () => {
    const r = await k(['run', 'ghost', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"ghost"}}', '--', 'sleep', '1']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "ghost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });

  it('a request without credentials is the anonymous user, forbidden all but the public paths (the reference\'s raw curl)', async () => {
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(c.kubeconfig, 'utf8'))![1], 'base64');
    const get = (path: string) => new Promise<{ code: number; body: string }>((resolve, reject) => {
      https.get(`${c.url}${path}`, { ca }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    const pod = await get('/api/v1/namespaces/default/pods/does-not-exist');
    assert.equal(pod.code, 403);
    assert.deepEqual(JSON.parse(pod.body), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods "does-not-exist" is forbidden: User "system:anonymous" cannot get resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden', details: { name: 'does-not-exist', kind: 'pods' }, code: 403,
    });
    const api = await get('/api');
    assert.equal(api.code, 403);
    assert.equal(JSON.parse(api.body).message, 'forbidden: User "system:anonymous" cannot get path "/api"');
    assert.equal((await get('/healthz')).body, 'ok');
    const badToken = await new Promise<number>((resolve, reject) => {
      https.get(`${c.url}/healthz`, { ca, headers: { Authorization: 'Bearer not-a-token' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    assert.equal(badToken, 401, 'a token nobody issued is 401 even on a public path');
    assert.equal(JSON.parse((await get('/version')).body).major, '1');
  });
});
