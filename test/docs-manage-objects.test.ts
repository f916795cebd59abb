// End-to-end: kubernetes.io's "Manage Kubernetes Objects" tasks (declarative and imperative
// management, Kustomize, kubectl patch), the "Inject Data Into Applications" tasks (commands and
// arguments, environment variables, Secrets) and the ConfigMap tutorials (updating configuration,
// Redis) replayed with the real kubectl and the pages' own manifests against `tskube up --nodes 2`:
// what a reader types must give what the page shows (names, ages, addresses and times aside).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, kubectl, kubectlStream, parseTable, waitFor, type Cluster, kubectlOk, kubectlJson } from './harness.js';
import { BUSYBOX_STATIC, describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { RUN_MY_NGINX } from './fixtures/docs-examples.js';

let c: Cluster;
let dir: string;
const k = (args: string[], input?: string, env?: Record<string, string>) => kubectl(c, args, { input, env });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const json = (args: string[]) => kubectlJson(c, args);
/** write puts a page's file where the reader would have it (under the cluster's data dir) and gives its path. */
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};
/** rolledOut waits as `kubectl rollout status` does. */
const rolledOut = async (deploy: string) => {
  const r = await kubectl(c, ['rollout', 'status', `deployment/${deploy}`, '--timeout=180s'], { timeoutMs: 200_000 });
  assert.equal(r.code, 0, `rollout status ${deploy}: ${r.stderr}\n${(await k(['get', 'pods', '-o', 'wide'])).stdout}`);
};
/** ready waits until the pods are Ready. */
const ready = async (...pods: string[]) => {
  const r = await kubectl(c, ['wait', '--for=condition=Ready', '--timeout=180s', ...pods.map((p) => `pod/${p}`)], { timeoutMs: 200_000 });
  assert.equal(r.code, 0, `wait ${pods.join(' ')}: ${r.stderr}\n${(await k(['get', 'pods', '-o', 'wide'])).stdout}`);
};
/** podRows is `kubectl get pods -l selector` once only the wanted pods are left (old ones gone), as the pages show it. */
const podRows = (selector: string, n: number, readyColumn: string, what = selector) => waitFor(async () => {
  const rows = parseTable(await ok(['get', 'pods', '-l', selector])).rows;
  return rows.length === n && rows.every((r) => r.READY === readyColumn && r.STATUS === 'Running') && rows;
}, `${n} pods ${what} ${readyColumn} Running`, 480);

// Declarative Management of Kubernetes Objects Using Configuration Files (application/simple_deployment.yaml, update_deployment.yaml)
const SIMPLE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: nginx
  minReadySeconds: 5
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;
const UPDATE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.16.1 # update the image
        ports:
        - containerPort: 80
`;

// Update API Objects in Place Using kubectl patch (application/deployment-patch.yaml, deployment-retainkeys.yaml, deployment.yaml)
const DEPLOYMENT_PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: patch-demo
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nginx
    spec:
      containers:
      - name: patch-demo-ctr
        image: nginx
      tolerations:
      - effect: NoSchedule
        key: dedicated
        value: test-team
`;
const DEPLOYMENT_RETAINKEYS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: retainkeys-demo
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: nginx
  strategy:
    rollingUpdate:
      maxSurge: 30%
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nginx
    spec:
      containers:
      - name: retainkeys-demo-ctr
        image: nginx
`;
const APPLICATION_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  selector:
    matchLabels:
      app: nginx
  replicas: 2 # tells deployment to run 2 pods matching the template
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

// Define a Command and Arguments for a Container (pods/commands.yaml)
const COMMANDS = `apiVersion: v1
kind: Pod
metadata:
  name: command-demo
  labels:
    purpose: demonstrate-command
spec:
  containers:
  - name: command-demo-container
    image: debian
    command: ["printenv"]
    args: ["HOSTNAME", "KUBERNETES_PORT"]
  restartPolicy: OnFailure
`;
// Define Environment Variables for a Container (pods/inject/envars.yaml)
const ENVARS = `apiVersion: v1
kind: Pod
metadata:
  name: envar-demo
  labels:
    purpose: demonstrate-envars
spec:
  containers:
  - name: envar-demo-container
    image: gcr.io/google-samples/hello-app:2.0
    env:
    - name: DEMO_GREETING
      value: "Hello from the environment"
    - name: DEMO_FAREWELL
      value: "Such a sweet sorrow"
`;
// Define Dependent Environment Variables (pods/inject/dependent-envars.yaml)
const DEPENDENT_ENVARS = `apiVersion: v1
kind: Pod
metadata:
  name: dependent-envars-demo
spec:
  containers:
  - name: dependent-envars-demo
    args:
    - while true; do echo -en '\\n'; echo SERVICE_ADDRESS;printenv SERVICE_ADDRESS;echo UNCHANGE_REFERENCE;printenv UNCHANGE_REFERENCE;echo ESCAPED_REFERENCE;printenv ESCAPED_REFERENCE; sleep 30; done;
    command:
        - sh
        - -c
    image: busybox
    env:
    - name: SERVICE_PORT
      value: "80"
    - name: SERVICE_IP
      value: "172.17.0.1"
    - name: UNCHANGED_REFERENCE
      value: "$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)"
    - name: PROTOCOL
      value: "https"
    - name: SERVICE_ADDRESS
      value: "$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)"
    - name: ESCAPED_REFERENCE
      value: "$$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)"
`;

// Distribute Credentials Securely Using Secrets (pods/inject/secret.yaml, secret-pod.yaml, the env and envFrom pods)
const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: test-secret
data:
  username: bXktYXBw
  password: Mzk1MjgkdmRnN0pi
`;
const SECRET_POD = `apiVersion: v1
kind: Pod
metadata:
  name: secret-test-pod
spec:
  containers:
    - name: test-container
      image: nginx
      volumeMounts:
        # name must match the volume name below
        - name: secret-volume
          mountPath: /etc/secret-volume
          readOnly: true
  # The secret data is exposed to Containers in the Pod through a Volume.
  volumes:
    - name: secret-volume
      secret:
        secretName: test-secret
`;
const SINGLE_SECRET_ENV = `apiVersion: v1
kind: Pod
metadata:
  name: env-single-secret
spec:
  containers:
  - name: envars-test-container
    image: nginx
    env:
    - name: SECRET_USERNAME
      valueFrom:
        secretKeyRef:
          name: backend-user
          key: backend-username
`;
const MULTIPLE_SECRET_ENV = `apiVersion: v1
kind: Pod
metadata:
  name: envvars-multiple-secrets
spec:
  containers:
  - name: envars-test-container
    image: nginx
    env:
    - name: BACKEND_USERNAME
      valueFrom:
        secretKeyRef:
          name: backend-user
          key: backend-username
    - name: DB_USERNAME
      valueFrom:
        secretKeyRef:
          name: db-user
          key: db-username
`;
const SECRET_ENVFROM = `apiVersion: v1
kind: Pod
metadata:
  name: envfrom-secret
spec:
  containers:
  - name: envars-test-container
    image: nginx
    envFrom:
    - secretRef:
        name: test-secret
`;

// Updating Configuration via a ConfigMap (deployments/deployment-with-configmap-*.yaml; the repository
// writes them as JSON-style YAML, the same objects)
const CONFIGMAP_VOLUME = `apiVersion: apps/v1
kind: Deployment
metadata: {name: configmap-volume, labels: {app.kubernetes.io/name: configmap-volume}}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: configmap-volume}}
  template:
    metadata: {labels: {app.kubernetes.io/name: configmap-volume}}
    spec:
      containers:
      - name: alpine
        image: alpine:3
        command: ["/bin/sh", "-c", "while true; do echo \\"$(date) My preferred sport is $(cat /etc/config/sport)\\"; sleep 10; done;"]
        ports: [{containerPort: 80}]
        volumeMounts: [{name: config-volume, mountPath: /etc/config}]
      volumes: [{name: config-volume, configMap: {name: sport}}]
`;
const CONFIGMAP_ENV_VAR = `apiVersion: apps/v1
kind: Deployment
metadata: {name: configmap-env-var, labels: {app.kubernetes.io/name: configmap-env-var}}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: configmap-env-var}}
  template:
    metadata: {labels: {app.kubernetes.io/name: configmap-env-var}}
    spec:
      containers:
      - name: alpine
        image: alpine:3
        env: [{name: FRUITS, valueFrom: {configMapKeyRef: {key: fruits, name: fruits}}}]
        command: ["/bin/sh", "-c", "while true; do echo \\"$(date) The basket is full of $FRUITS\\"; sleep 10; done;"]
        ports: [{containerPort: 80}]
`;
const CONFIGMAP_TWO_CONTAINERS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: configmap-two-containers, labels: {app.kubernetes.io/name: configmap-two-containers}}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: configmap-two-containers}}
  template:
    metadata: {labels: {app.kubernetes.io/name: configmap-two-containers}}
    spec:
      volumes: [{name: shared-data, emptyDir: {}}, {name: config-volume, configMap: {name: color}}]
      containers:
      - name: nginx
        image: nginx
        volumeMounts: [{name: shared-data, mountPath: /usr/share/nginx/html}]
      - name: alpine
        image: alpine:3
        volumeMounts: [{name: shared-data, mountPath: /pod-data}, {name: config-volume, mountPath: /etc/config}]
        command: ["/bin/sh", "-c", "while true; do echo \\"$(date) My preferred color is $(cat /etc/config/color)\\" > /pod-data/index.html; sleep 10; done;"]
`;
const CONFIGMAP_SIDECAR_CONTAINER = `apiVersion: apps/v1
kind: Deployment
metadata: {name: configmap-sidecar-container, labels: {app.kubernetes.io/name: configmap-sidecar-container}}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: configmap-sidecar-container}}
  template:
    metadata: {labels: {app.kubernetes.io/name: configmap-sidecar-container}}
    spec:
      volumes: [{name: shared-data, emptyDir: {}}, {name: config-volume, configMap: {name: color}}]
      containers:
      - name: nginx
        image: nginx
        volumeMounts: [{name: shared-data, mountPath: /usr/share/nginx/html}]
      initContainers:
      - name: alpine
        image: alpine:3
        restartPolicy: Always
        volumeMounts: [{name: shared-data, mountPath: /pod-data}, {name: config-volume, mountPath: /etc/config}]
        command: ["/bin/sh", "-c", "while true; do echo \\"$(date) My preferred color is $(cat /etc/config/color)\\" > /pod-data/index.html; sleep 10; done;"]
`;
const IMMUTABLE_CONFIGMAP = `apiVersion: v1
data:
  company_name: "ACME, Inc." # existing fictional company name
kind: ConfigMap
immutable: true
metadata:
  name: company-name-20150801
`;
const IMMUTABLE_CONFIGMAP_VOLUME = `apiVersion: apps/v1
kind: Deployment
metadata: {name: immutable-configmap-volume, labels: {app.kubernetes.io/name: immutable-configmap-volume}}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: immutable-configmap-volume}}
  template:
    metadata: {labels: {app.kubernetes.io/name: immutable-configmap-volume}}
    spec:
      containers:
      - name: alpine
        image: alpine:3
        command: ["/bin/sh", "-c", "while true; do echo \\"$(date) The name of the company is $(cat /etc/config/company_name)\\"; sleep 10; done;"]
        ports: [{containerPort: 80}]
        volumeMounts: [{name: config-volume, mountPath: /etc/config}]
      volumes: [{name: config-volume, configMap: {name: company-name-20150801}}]
`;

// Configuring Redis using a ConfigMap (pods/config/redis-pod.yaml)
const REDIS_POD = `apiVersion: v1
kind: Pod
metadata:
  name: redis
spec:
  containers:
  - name: redis
    image: redis:5
    env:
    - name: MASTER
      value: "true"
    ports:
    - containerPort: 6379
    resources:
      limits:
        cpu: "0.1"
    volumeMounts:
    - mountPath: /data
      name: data
    - mountPath: /usr/local/etc/redis
      name: config
    args:
    - /usr/local/etc/redis/redis.conf
  volumes:
    - name: data
      emptyDir: {}
    - name: config
      configMap:
        name: example-redis-config
        items:
        - key: redis-config
          path: redis.conf
`;

describeNeeding('Manage objects and inject data pages with kubectl', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, BUSYBOX_STATIC) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2, extraArgs: ['--cluster-cidr', '10.202.0.0/16'] });
    dir = path.join(c.dataDir, 'reader');
    await waitFor(async () => parseTable((await k(['get', 'nodes'])).stdout).rows.filter((r) => r.STATUS === 'Ready').length === 2, 'two Ready nodes');
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Declarative management: diff, apply with last-applied-configuration, scale kept by a later apply, minReadySeconds cleared, --prune, delete -f', async () => {
    const simple = write('declarative/simple_deployment.yaml', SIMPLE_DEPLOYMENT);
    const created = await k(['diff', '-f', simple]);
    assert.equal(created.code, 1, created.stderr);
    assert.match(created.stdout, /^\+  minReadySeconds: 5$/m);
    assert.match(created.stdout, /^\+      - image: nginx:1\.14\.2$/m);
    assert.equal(await ok(['apply', '-f', simple]), 'deployment.apps/nginx-deployment created\n');
    const live = await json(['get', '-f', simple]);
    assert.deepEqual(JSON.parse(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']), {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { annotations: {}, name: 'nginx-deployment', namespace: 'default' },
      spec: {
        minReadySeconds: 5, selector: { matchLabels: { 'app.kubernetes.io/name': 'nginx' } },
        template: { metadata: { labels: { 'app.kubernetes.io/name': 'nginx' } }, spec: { containers: [{ image: 'nginx:1.14.2', name: 'nginx', ports: [{ containerPort: 80 }] }] } },
      },
    });
    assert.equal(live.spec.minReadySeconds, 5);

    assert.equal(await ok(['scale', 'deployment/nginx-deployment', '--replicas=2']), 'deployment.apps/nginx-deployment scaled\n');
    const scaled = await json(['get', 'deployment', 'nginx-deployment']);
    assert.equal(scaled.spec.replicas, 2);
    assert.doesNotMatch(scaled.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], /replicas/);

    const update = write('declarative/update_deployment.yaml', UPDATE_DEPLOYMENT);
    const diff = await k(['diff', '-f', update]);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /^-  minReadySeconds: 5$/m);
    assert.match(diff.stdout, /^-      - image: nginx:1\.14\.2\n\+      - image: nginx:1\.16\.1$/m);
    assert.doesNotMatch(diff.stdout, /^[-+]  replicas:/m);
    assert.equal(await ok(['apply', '-f', update]), 'deployment.apps/nginx-deployment configured\n');
    const updated = await json(['get', '-f', update]);
    assert.equal(updated.spec.replicas, 2, 'replicas set by kubectl scale is kept');
    assert.equal(updated.spec.minReadySeconds, undefined, 'minReadySeconds is cleared');
    assert.equal(updated.spec.template.spec.containers[0].image, 'nginx:1.16.1');
    const lastApplied = JSON.parse(updated.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(lastApplied.spec.minReadySeconds, undefined);
    assert.equal(lastApplied.spec.template.spec.containers[0].image, 'nginx:1.16.1');
    assert.equal((await k(['diff', '-f', update])).code, 0, 'nothing left to change');

    // apply --prune -l: an object whose file left the directory is deleted
    write('prune/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  labels: {your: label}\ndata: {k: a}\n');
    const b = write('prune/b.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-b\n  labels: {your: label}\nspec:\n  ports: [{port: 80}]\n  selector: {app: b}\n');
    assert.equal(await ok(['apply', '-f', path.join(dir, 'prune') + '/', '--prune', '-l', 'your=label']), 'configmap/cm-a created\nservice/svc-b created\n');
    fs.rmSync(b);
    assert.equal(await ok(['apply', '-f', path.join(dir, 'prune') + '/', '--prune', '-l', 'your=label']), 'configmap/cm-a unchanged\nservice/svc-b pruned\n');
    assert.match((await k(['get', 'service', 'svc-b'])).stderr, /^Error from server \(NotFound\): services "svc-b" not found/);

    assert.equal(await ok(['delete', '-f', update]), 'deployment.apps "nginx-deployment" deleted\n');
    assert.equal(await ok(['delete', '-f', path.join(dir, 'prune') + '/']), 'configmap "cm-a" deleted\n');
  });

  it('Imperative commands and imperative object configuration: create, expose, scale, set; create | set selector --local | create -f -; create --edit; replace -f drops what others set', async () => {
    assert.equal(await ok(['create', 'service', 'nodeport', 'my-np', '--tcp=80:80']), 'service/my-np created\n');
    assert.equal(await ok(['create', 'deployment', 'nginx', '--image=nginx']), 'deployment.apps/nginx created\n');
    assert.equal(await ok(['expose', 'deployment', 'nginx', '--port=80']), 'service/nginx exposed\n');
    assert.equal(await ok(['scale', 'deployment', 'nginx', '--replicas=2']), 'deployment.apps/nginx scaled\n');
    assert.equal(await ok(['annotate', 'deployment', 'nginx', 'owner=docs']), 'deployment.apps/nginx annotated\n');
    assert.equal(await ok(['label', 'deployment', 'nginx', 'tier=web']), 'deployment.apps/nginx labeled\n');
    assert.equal(await ok(['set', 'image', 'deployment/nginx', 'nginx=nginx:1.16.1']), 'deployment.apps/nginx image updated\n');

    // kubectl create service … -o yaml --dry-run=client | kubectl set selector --local -f - 'environment=qa' -o yaml | kubectl create -f -
    const generated = await ok(['create', 'service', 'clusterip', 'my-svc', '--clusterip=None', '-o', 'yaml', '--dry-run=client']);
    const selected = await ok(['set', 'selector', '--local', '-f', '-', 'environment=qa', '-o', 'yaml'], generated);
    assert.equal(await ok(['create', '-f', '-'], selected), 'service/my-svc created\n');
    const svc = parseTable(await ok(['get', 'service', 'my-svc', '-o', 'wide'])).rows[0];
    assert.deepEqual([svc.TYPE, svc['CLUSTER-IP'], svc['PORT(S)'], svc.SELECTOR], ['ClusterIP', 'None', '<none>', 'environment=qa']);

    // kubectl create --edit -f /tmp/srv.yaml (an editor that renames it)
    const srv = write('imperative/srv.yaml', await ok(['create', 'service', 'clusterip', 'my-svc-2', '--clusterip=None', '-o', 'yaml', '--dry-run=client']));
    const edited = await k(['create', '--edit', '-f', srv], undefined, { EDITOR: 'sed -i s/my-svc-2/my-svc-edited/g' });
    assert.equal(edited.stdout, 'service/my-svc-edited created\n', edited.stderr);
    assert.equal(await ok(['delete', 'deployment/nginx']), 'deployment.apps "nginx" deleted\n');
    await ok(['delete', 'service', 'my-np', 'nginx', 'my-svc', 'my-svc-edited']);

    // imperative object configuration: create -f, another writer scales, replace -f takes it back
    const file = write('imperative/simple_deployment.yaml', SIMPLE_DEPLOYMENT);
    assert.equal(await ok(['create', '-f', file]), 'deployment.apps/nginx-deployment created\n');
    await ok(['scale', 'deployment', 'nginx-deployment', '--replicas=3']);
    assert.equal(await ok(['replace', '-f', file]), 'deployment.apps/nginx-deployment replaced\n');
    assert.equal((await json(['get', '-f', file])).spec.replicas, 1);
    assert.match((await k(['create', '-f', file])).stderr, /^Error from server \(AlreadyExists\): error when creating ".*simple_deployment\.yaml": deployments\.apps "nginx-deployment" already exists/);

    // migrating: get -o yaml to a file, drop status, replace -f with it
    const exported = (await ok(['get', 'deployment/nginx-deployment', '-o', 'yaml'])).split('\nstatus:')[0].replace('minReadySeconds: 5', 'minReadySeconds: 7') + '\n';
    const kindName = write('imperative/deployment_nginx-deployment.yaml', exported);
    const replaced = await k(['replace', '-f', kindName]);
    if (replaced.code !== 0) {
      // the controller wrote status since the export: the page's file is stale, as on Kubernetes (Conflict)
      assert.match(replaced.stderr, /Operation cannot be fulfilled on deployments\.apps "nginx-deployment": the object has been modified; please apply your changes to the latest version and try again/);
      write('imperative/deployment_nginx-deployment.yaml', exported.replace(/\n {2}resourceVersion: "\d+"/, ''));
      assert.equal(await ok(['replace', '-f', kindName]), 'deployment.apps/nginx-deployment replaced\n');
    } else assert.equal(replaced.stdout, 'deployment.apps/nginx-deployment replaced\n');
    assert.equal((await json(['get', '-f', kindName])).spec.minReadySeconds, 7);
    assert.equal(await ok(['delete', '-f', file]), 'deployment.apps "nginx-deployment" deleted\n');
  });

  it('Kustomize: apply -k with namePrefix and commonLabels, get/describe/diff -k, generated ConfigMap and Secret with hash suffixes mounted in a Deployment, delete -k', async () => {
    write('kustomize/dev/deployment.yaml', RUN_MY_NGINX);
    write('kustomize/dev/kustomization.yaml', 'namePrefix: dev-\ncommonLabels:\n  app: my-nginx\nresources:\n- deployment.yaml\n');
    const devDir = path.join(dir, 'kustomize/dev') + '/';
    assert.equal(await ok(['apply', '-k', devDir]), 'deployment.apps/dev-my-nginx created\n');
    assert.deepEqual(parseTable(await ok(['get', '-k', devDir])).rows.map((r) => r.NAME), ['dev-my-nginx']);
    const described = await ok(['describe', '-k', devDir]);
    assert.match(described, /^Name:\s+dev-my-nginx$/m);
    assert.match(described, /^Selector:\s+app=my-nginx,run=my-nginx$/m);
    assert.match(described, /^Labels:\s+app=my-nginx$/m);
    const diff = await k(['diff', '-k', devDir]);
    assert.equal(diff.code, 0, `${diff.stdout}${diff.stderr}`);
    await rolledOut('dev-my-nginx');
    assert.equal(await ok(['delete', '-k', devDir]), 'deployment.apps "dev-my-nginx" deleted\n');

    // configMapGenerator and secretGenerator; the page's Deployment (its image my-app is no published image: nginx here)
    write('kustomize/gen/application.properties', 'FOO=Bar\n');
    write('kustomize/gen/password.txt', 'username=admin\npassword=secret\n');
    write('kustomize/gen/deployment.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
  labels:
    app: my-app
spec:
  selector:
    matchLabels:
      app: my-app
  template:
    metadata:
      labels:
        app: my-app
    spec:
      containers:
      - name: app
        image: nginx
        volumeMounts:
        - name: config
          mountPath: /config
        - name: password
          mountPath: /secrets
      volumes:
      - name: config
        configMap:
          name: example-configmap-1
      - name: password
        secret:
          secretName: example-secret-1
`);
    write('kustomize/gen/kustomization.yaml', 'resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: example-configmap-1\n  files:\n  - application.properties\nsecretGenerator:\n- name: example-secret-1\n  files:\n  - password.txt\n');
    const genDir = path.join(dir, 'kustomize/gen') + '/';
    const applied = (await ok(['apply', '-k', genDir])).trim().split('\n');
    assert.equal(applied[0], 'configmap/example-configmap-1-g4hk9g2ff8 created');
    assert.match(applied[1], /^secret\/example-secret-1-[a-z0-9]{10} created$/);
    assert.equal(applied[2], 'deployment.apps/my-app created');
    await rolledOut('my-app');
    const [pod] = (await podRows('app=my-app', 1, '1/1')).map((r) => r.NAME);
    assert.equal(await ok(['exec', pod, '--', 'cat', '/config/application.properties', '/secrets/password.txt']), 'FOO=Bar\nusername=admin\npassword=secret\n');
    // a changed file is a new ConfigMap name, and the Deployment rolls to it
    write('kustomize/gen/application.properties', 'FOO=Baz\n');
    const reapplied = await ok(['apply', '-k', genDir]);
    const newName = /^configmap\/(example-configmap-1-[a-z0-9]{10}) created$/m.exec(reapplied)?.[1];
    assert.ok(newName && newName !== 'example-configmap-1-g4hk9g2ff8', reapplied);
    assert.match(reapplied, /^deployment\.apps\/my-app configured$/m);
    await rolledOut('my-app');
    const [pod2] = (await podRows('app=my-app', 1, '1/1', 'on the new ConfigMap')).map((r) => r.NAME);
    assert.equal(await ok(['exec', pod2, '--', 'cat', '/config/application.properties']), 'FOO=Baz\n');
    const deleted = await ok(['delete', '-k', genDir]);
    assert.match(deleted, new RegExp(`^configmap "${newName}" deleted\nsecret "example-secret-1-[a-z0-9]{10}" deleted\ndeployment.apps "my-app" deleted\n$`));
  });

  it('kubectl patch: strategic merge adds a container and replaces tolerations, merge patch replaces the list, retainKeys, --subresource=scale', async () => {
    assert.equal(await ok(['apply', '-f', '-'], DEPLOYMENT_PATCH), 'deployment.apps/patch-demo created\n');
    await rolledOut('patch-demo');
    await podRows('app.kubernetes.io/name=nginx', 2, '1/1');

    const patchFile = write('patch/patch-file.yaml', 'spec:\n  template:\n    spec:\n      containers:\n      - name: patch-demo-ctr-2\n        image: redis\n');
    assert.equal(await ok(['patch', 'deployment', 'patch-demo', '--patch-file', patchFile]), 'deployment.apps/patch-demo patched\n');
    const two = (await json(['get', 'deployment', 'patch-demo'])).spec.template.spec;
    assert.deepEqual(two.containers.map((x: { image: string; imagePullPolicy: string; name: string }) => [x.image, x.imagePullPolicy, x.name]),
      [['redis', 'Always', 'patch-demo-ctr-2'], ['nginx', 'Always', 'patch-demo-ctr']]);
    await rolledOut('patch-demo');
    const pods2 = await podRows('app.kubernetes.io/name=nginx', 2, '2/2');
    assert.deepEqual((await json(['get', 'pod', pods2[0].NAME])).spec.containers.map((x: { image: string }) => x.image), ['redis', 'nginx']);

    const tolerations = write('patch/patch-file-tolerations.yaml', 'spec:\n  template:\n    spec:\n      tolerations:\n      - effect: NoSchedule\n        key: disktype\n        value: ssd\n');
    await ok(['patch', 'deployment', 'patch-demo', '--patch-file', tolerations]);
    assert.deepEqual((await json(['get', 'deployment', 'patch-demo'])).spec.template.spec.tolerations, [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);

    const merge = write('patch/patch-file-2.yaml', 'spec:\n  template:\n    spec:\n      containers:\n      - name: patch-demo-ctr-3\n        image: gcr.io/google-samples/node-hello:1.0\n');
    assert.equal(await ok(['patch', 'deployment', 'patch-demo', '--type', 'merge', '--patch-file', merge]), 'deployment.apps/patch-demo patched\n');
    const one = (await json(['get', 'deployment', 'patch-demo'])).spec.template.spec.containers;
    assert.deepEqual(one.map((x: { image: string; name: string }) => [x.image, x.name]), [['gcr.io/google-samples/node-hello:1.0', 'patch-demo-ctr-3']]);
    await rolledOut('patch-demo');
    const pods1 = await podRows('app.kubernetes.io/name=nginx', 2, '1/1', 'of node-hello');
    // the image is node's: ask its server from inside the pod with node itself
    assert.equal(await ok(['exec', pods1[0].NAME, '--', 'node', '-e', 'fetch("http://127.0.0.1:8080/").then((r) => r.text()).then((t) => process.stdout.write(t))']), 'Hello World!');
    assert.equal(await ok(['delete', 'deployment', 'patch-demo']), 'deployment.apps "patch-demo" deleted\n');

    // retainKeys: a merge patch to Recreate is refused; $retainKeys drops rollingUpdate
    await ok(['apply', '-f', '-'], DEPLOYMENT_RETAINKEYS);
    const noRetain = write('patch/patch-file-no-retainkeys.yaml', 'spec:\n  strategy:\n    type: Recreate\n');
    const refused = await k(['patch', 'deployment', 'retainkeys-demo', '--type', 'merge', '--patch-file', noRetain]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'The Deployment "retainkeys-demo" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is \'Recreate\'\n');
    const retain = write('patch/patch-file-retainkeys.yaml', 'spec:\n  strategy:\n    $retainKeys:\n    - type\n    type: Recreate\n');
    assert.equal(await ok(['patch', 'deployment', 'retainkeys-demo', '--patch-file', retain]), 'deployment.apps/retainkeys-demo patched\n');
    assert.deepEqual((await json(['get', 'deployment', 'retainkeys-demo'])).spec.strategy, { type: 'Recreate' });
    await ok(['delete', 'deployment', 'retainkeys-demo']);

    // --subresource=scale
    await ok(['apply', '-f', '-'], APPLICATION_DEPLOYMENT);
    await podRows('app=nginx', 2, '1/1');
    assert.equal(await ok(['patch', 'deployment', 'nginx-deployment', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":3}}']), 'scale.autoscaling/nginx-deployment patched\n');
    await podRows('app=nginx', 3, '1/1');
    const scaled = await json(['get', 'deployment', 'nginx-deployment']);
    assert.equal(scaled.spec.replicas, 3);
    await waitFor(async () => {
      const st = (await json(['get', 'deployment', 'nginx-deployment'])).status;
      return st.availableReplicas === 3 && st.readyReplicas === 3 && st.replicas === 3;
    }, 'status availableReplicas, readyReplicas and replicas 3');
    // a subresource the resource does not have: 404
    assert.equal((await k(['patch', 'configmap', 'kube-root-ca.crt', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":3}}'])).stderr,
      'Error from server (NotFound): the server could not find the requested resource\n');
    await ok(['delete', 'deployment', 'nginx-deployment']);
  });

  it('Define a Command and Arguments, environment variables and dependent environment variables', async () => {
    assert.equal(await ok(['apply', '-f', '-'], COMMANDS), 'pod/command-demo created\n');
    await waitFor(async () => (await json(['get', 'pod', 'command-demo'])).status.phase === 'Succeeded', 'command-demo Completed');
    assert.equal(parseTable(await ok(['get', 'pods', 'command-demo'])).rows[0].STATUS, 'Completed');
    assert.equal(await ok(['logs', 'command-demo']), 'command-demo\ntcp://10.96.0.1:443\n');

    // environment variables in the arguments, and a shell in the command
    await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: env-args
spec:
  restartPolicy: OnFailure
  containers:
  - name: c
    image: debian
    env:
    - name: MESSAGE
      value: "hello world"
    command: ["/bin/echo"]
    args: ["$(MESSAGE)"]
`);
    await waitFor(async () => (await json(['get', 'pod', 'env-args'])).status.phase === 'Succeeded', 'env-args Completed');
    assert.equal(await ok(['logs', 'env-args']), 'hello world\n');

    assert.equal(await ok(['apply', '-f', '-'], ENVARS), 'pod/envar-demo created\n');
    await ready('envar-demo');
    const env = (await ok(['exec', 'envar-demo', '--', 'printenv'])).split('\n');
    assert.ok(env.includes('DEMO_GREETING=Hello from the environment'), env.join('\n'));
    assert.ok(env.includes('DEMO_FAREWELL=Such a sweet sorrow'));
    assert.ok(env.includes('HOSTNAME=envar-demo'));
    await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: print-greeting
spec:
  restartPolicy: Never
  containers:
  - name: env-print-demo
    image: bash
    env:
    - name: GREETING
      value: "Warm greetings to"
    - name: HONORIFIC
      value: "The Most Honorable"
    - name: NAME
      value: "Kubernetes"
    command: ["echo"]
    args: ["$(GREETING) $(HONORIFIC) $(NAME)"]
`);
    await waitFor(async () => (await json(['get', 'pod', 'print-greeting'])).status.phase === 'Succeeded', 'print-greeting Completed');
    assert.equal(await ok(['logs', 'print-greeting']), 'Warm greetings to The Most Honorable Kubernetes\n');

    assert.equal(await ok(['apply', '-f', '-'], DEPENDENT_ENVARS), 'pod/dependent-envars-demo created\n');
    await ready('dependent-envars-demo');
    assert.equal(parseTable(await ok(['get', 'pods', 'dependent-envars-demo'])).rows[0].READY, '1/1');
    const logs = await waitFor(async () => { const l = await ok(['logs', 'pod/dependent-envars-demo']); return l.includes('ESCAPED_REFERENCE\n$') && l; }, 'the first round of the loop');
    assert.equal(logs, '\nSERVICE_ADDRESS\nhttps://172.17.0.1:80\nUNCHANGE_REFERENCE\nESCAPED_REFERENCE\n$(PROTOCOL)://172.17.0.1:80\n');
    assert.equal(await ok(['exec', 'dependent-envars-demo', '--', 'printenv', 'UNCHANGED_REFERENCE']), '$(PROTOCOL)://172.17.0.1:80\n');
    await ok(['delete', 'pod', 'command-demo', 'env-args', 'envar-demo', 'print-greeting', 'dependent-envars-demo', '--wait=false']);
  });

  it('Distribute Credentials Securely Using Secrets: a Secret volume, env from one and from two Secrets, envFrom', async () => {
    assert.equal(await ok(['apply', '-f', '-'], SECRET), 'secret/test-secret created\n');
    const row = parseTable(await ok(['get', 'secret', 'test-secret'])).rows[0];
    assert.deepEqual([row.NAME, row.TYPE, row.DATA], ['test-secret', 'Opaque', '2']);
    const described = await ok(['describe', 'secret', 'test-secret']);
    assert.match(described, /^Type:  Opaque$/m);
    // kubectl prints the Data keys in Go's map order, which varies from run to run
    const data = described.slice(described.indexOf('Data\n====\n') + 10).trim().split('\n').sort();
    assert.deepEqual(data, ['password:  12 bytes', 'username:  6 bytes']);

    assert.equal(await ok(['apply', '-f', '-'], SECRET_POD), 'pod/secret-test-pod created\n');
    await ready('secret-test-pod');
    assert.equal(await ok(['exec', 'secret-test-pod', '--', '/bin/bash', '-c', 'cd /etc/secret-volume; ls; cat username; echo; cat password; echo']), 'password\nusername\nmy-app\n39528$vdg7Jb\n');

    assert.equal(await ok(['create', 'secret', 'generic', 'backend-user', '--from-literal=backend-username=backend-admin']), 'secret/backend-user created\n');
    assert.equal(await ok(['create', 'secret', 'generic', 'db-user', '--from-literal=db-username=db-admin']), 'secret/db-user created\n');
    assert.equal(await ok(['create', '-f', '-'], SINGLE_SECRET_ENV), 'pod/env-single-secret created\n');
    assert.equal(await ok(['create', '-f', '-'], MULTIPLE_SECRET_ENV), 'pod/envvars-multiple-secrets created\n');
    await ok(['delete', 'secret', 'test-secret']);
    await ok(['create', 'secret', 'generic', 'test-secret', '--from-literal=username=my-app', '--from-literal=password=39528$vdg7Jb']);
    assert.equal(await ok(['create', '-f', '-'], SECRET_ENVFROM), 'pod/envfrom-secret created\n');
    await ready('env-single-secret', 'envvars-multiple-secrets', 'envfrom-secret');
    assert.equal(await ok(['exec', 'env-single-secret', '--', '/bin/sh', '-c', 'echo $SECRET_USERNAME']), 'backend-admin\n');
    assert.deepEqual((await ok(['exec', 'envvars-multiple-secrets', '--', '/bin/sh', '-c', 'env | grep _USERNAME'])).trim().split('\n').sort(), ['BACKEND_USERNAME=backend-admin', 'DB_USERNAME=db-admin']);
    assert.equal(await ok(['exec', 'envfrom-secret', '--', '/bin/sh', '-c', 'echo "username: $username\\npassword: $password"']), 'username: my-app\npassword: 39528$vdg7Jb\n');
    await ok(['delete', 'pod', 'secret-test-pod', 'env-single-secret', 'envvars-multiple-secrets', 'envfrom-secret', '--wait=false']);
  });

  it('Updating Configuration via a ConfigMap: a volume follows the edit, env does not until a rollout restart, two containers and a sidecar share the page through a Service, an immutable ConfigMap refuses edits', async () => {
    assert.equal(await ok(['create', 'configmap', 'sport', '--from-literal=sport=football']), 'configmap/sport created\n');
    assert.equal(await ok(['apply', '-f', '-'], CONFIGMAP_VOLUME), 'deployment.apps/configmap-volume created\n');
    await rolledOut('configmap-volume');
    await podRows('app.kubernetes.io/name=configmap-volume', 3, '1/1');
    const first = await waitFor(async () => (await k(['logs', 'deployments/configmap-volume'])).stdout, 'the first log line');
    assert.match(first, /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4} My preferred sport is football\n/);
    await ok(['patch', 'configmap', 'sport', '--type=merge', '-p', '{"data":{"sport":"cricket"}}']);
    // the kubelet refreshes the volume; the loop prints it at its next round
    await waitFor(async () => (await ok(['logs', 'deployments/configmap-volume', '--tail=1'])).includes('My preferred sport is cricket'), 'cricket in the logs', 480);

    assert.equal(await ok(['create', 'configmap', 'fruits', '--from-literal=fruits=apples']), 'configmap/fruits created\n');
    await ok(['apply', '-f', '-'], CONFIGMAP_ENV_VAR);
    await rolledOut('configmap-env-var');
    await waitFor(async () => (await ok(['logs', 'deployment/configmap-env-var'])).includes('The basket is full of apples'), 'apples');
    await ok(['patch', 'configmap', 'fruits', '--type=merge', '-p', '{"data":{"fruits":"mangoes"}}']);
    // running containers keep their environment: the next round still says apples
    const lines = (await waitFor(async () => { const l = (await ok(['logs', 'deployment/configmap-env-var'])).trim().split('\n'); return l.length >= 2 && l; }, 'a second round', 120)) as string[];
    assert.ok(lines.every((l) => l.endsWith('The basket is full of apples')), lines.join('\n'));
    assert.equal(await ok(['rollout', 'restart', 'deployment', 'configmap-env-var']), 'deployment.apps/configmap-env-var restarted\n');
    await rolledOut('configmap-env-var');
    await podRows('app.kubernetes.io/name=configmap-env-var', 3, '1/1', 'after the restart');
    await waitFor(async () => /The basket is full of mangoes\n$/.test(await ok(['logs', 'deployment/configmap-env-var'])), 'mangoes');

    // two containers: nginx serves what alpine writes from the ConfigMap
    assert.equal(await ok(['create', 'configmap', 'color', '--from-literal=color=red']), 'configmap/color created\n');
    await ok(['apply', '-f', '-'], CONFIGMAP_TWO_CONTAINERS);
    await rolledOut('configmap-two-containers');
    await podRows('app.kubernetes.io/name=configmap-two-containers', 3, '2/2');
    assert.equal(await ok(['expose', 'deployment', 'configmap-two-containers', '--name=configmap-service', '--port=8080', '--target-port=80']), 'service/configmap-service exposed\n');
    /** throughService port-forwards to the Service as the page does (`:port` picks a free local one), polls the page until it says `until`, then changes the color to `next` and waits for it. */
    const throughService = async (service: string, port: number, until: string, next: string) => {
      const pf = kubectlStream(c, ['port-forward', `service/${service}`, `:${port}`]);
      try {
        const local = Number(await waitFor(async () => /^Forwarding from 127\.0\.0\.1:(\d+) -> 80$/m.exec(pf.stdout())?.[1], `port-forward: ${pf.stdout()}${pf.stderr()}`));
        const page = () => fetch(`http://127.0.0.1:${local}/`).then((r) => r.text()).catch(() => '');
        assert.match(await waitFor(async () => { const p = await page(); return p.includes(until) && p; }, `${until} through ${service}`, 480),
          new RegExp(`^\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d UTC \\d{4} ${until}\\n$`));
        await ok(['patch', 'configmap', 'color', '--type=merge', '-p', JSON.stringify({ data: { color: next } })]);
        await waitFor(async () => (await page()).includes(`My preferred color is ${next}`), next, 480);
      } finally {
        await pf.kill();
      }
    };
    await throughService('configmap-service', 8080, 'My preferred color is red', 'blue');

    // the same with the writer as a sidecar (an init container with restartPolicy Always): 2/2 Running
    await ok(['apply', '-f', '-'], CONFIGMAP_SIDECAR_CONTAINER);
    await rolledOut('configmap-sidecar-container');
    await podRows('app.kubernetes.io/name=configmap-sidecar-container', 3, '2/2');
    assert.equal(await ok(['expose', 'deployment', 'configmap-sidecar-container', '--name=configmap-sidecar-service', '--port=8081', '--target-port=80']), 'service/configmap-sidecar-service exposed\n');
    await throughService('configmap-sidecar-service', 8081, 'My preferred color is blue', 'green');

    // immutable: edits are refused; a new ConfigMap and a rollout change it
    assert.equal(await ok(['apply', '-f', '-'], IMMUTABLE_CONFIGMAP), 'configmap/company-name-20150801 created\n');
    await ok(['apply', '-f', '-'], IMMUTABLE_CONFIGMAP_VOLUME);
    await rolledOut('immutable-configmap-volume');
    await waitFor(async () => (await ok(['logs', 'deployment/immutable-configmap-volume'])).includes('The name of the company is ACME, Inc.'), 'ACME');
    const edit = await k(['patch', 'configmap', 'company-name-20150801', '--type=merge', '-p', '{"data":{"company_name":"Fiktivesunternehmen GmbH"}}']);
    assert.equal(edit.stderr, 'The ConfigMap "company-name-20150801" is invalid: data: Forbidden: field is immutable when `immutable` is set\n');
    assert.equal(await ok(['create', 'configmap', 'company-name-20240312', '--from-literal=company_name=Fiktivesunternehmen GmbH']), 'configmap/company-name-20240312 created\n');
    await ok(['patch', 'deployment', 'immutable-configmap-volume', '-p', '{"spec":{"template":{"spec":{"volumes":[{"name":"config-volume","configMap":{"name":"company-name-20240312"}}]}}}}']);
    await rolledOut('immutable-configmap-volume');
    await podRows('app.kubernetes.io/name=immutable-configmap-volume', 3, '1/1', 'on the new ConfigMap');
    await waitFor(async () => /The name of the company is Fiktivesunternehmen GmbH\n$/.test(await ok(['logs', 'deployment/immutable-configmap-volume'])), 'the new name');
    assert.equal(await ok(['delete', 'configmap', 'company-name-20150801']), 'configmap "company-name-20150801" deleted\n');
    await ok(['delete', 'deployment', 'configmap-volume', 'configmap-env-var', 'configmap-two-containers', 'configmap-sidecar-container', 'immutable-configmap-volume', '--wait=false']);
    await ok(['delete', 'service', 'configmap-service', 'configmap-sidecar-service']);
  });

  it('Configuring Redis using a ConfigMap: CONFIG GET shows the defaults, then the ConfigMap\'s values once the pod is recreated', async () => {
    assert.equal(await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: example-redis-config\ndata:\n  redis-config: ""\n'), 'configmap/example-redis-config created\n');
    assert.equal(await ok(['apply', '-f', '-'], REDIS_POD), 'pod/redis created\n');
    await ready('redis');
    const listed = await ok(['get', 'pod/redis', 'configmap/example-redis-config']);
    assert.match(listed, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\npod\/redis\s+1\/1\s+Running\s+0\s+\S+\n\nNAME\s+DATA\s+AGE\nconfigmap\/example-redis-config\s+1\s+\S+\n$/);
    const cli = async (...args: string[]) => ok(['exec', 'redis', '--', 'redis-cli', ...args]);
    assert.equal(await cli('CONFIG', 'GET', 'maxmemory'), 'maxmemory\n0\n');
    assert.equal(await cli('CONFIG', 'GET', 'maxmemory-policy'), 'maxmemory-policy\nnoeviction\n');

    assert.equal(await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: example-redis-config\ndata:\n  redis-config: |\n    maxmemory 2mb\n    maxmemory-policy allkeys-lru\n'), 'configmap/example-redis-config configured\n');
    assert.match(await ok(['describe', 'configmap/example-redis-config']), /^Data\n====\nredis-config:\n----\nmaxmemory 2mb\nmaxmemory-policy allkeys-lru\n/m);
    // the running server read its file at start: still the defaults
    assert.equal(await cli('CONFIG', 'GET', 'maxmemory'), 'maxmemory\n0\n');
    assert.equal(await ok(['delete', 'pod', 'redis']), 'pod "redis" deleted\n');
    await ok(['apply', '-f', '-'], REDIS_POD);
    await ready('redis');
    assert.equal(await cli('CONFIG', 'GET', 'maxmemory'), 'maxmemory\n2097152\n');
    assert.equal(await cli('CONFIG', 'GET', 'maxmemory-policy'), 'maxmemory-policy\nallkeys-lru\n');
    // the page's session: commands typed into redis-cli (stdin here, not a terminal)
    assert.equal(await ok(['exec', '-i', 'redis', '--', 'redis-cli'], 'CONFIG GET maxmemory\nCONFIG GET maxmemory-policy\n'), 'maxmemory\n2097152\nmaxmemory-policy\nallkeys-lru\n');
    assert.equal(await ok(['delete', 'pod/redis', 'configmap/example-redis-config']), 'pod "redis" deleted\nconfigmap "example-redis-config" deleted\n');
  });
});
