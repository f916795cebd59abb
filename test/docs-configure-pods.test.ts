// End-to-end: kubernetes.io's "Configure Pods and Containers" tasks (LimitRange defaults and
// constraints, quotas, QoS, security contexts, service accounts, projected and downward API volumes)
// replayed with the real kubectl and the pages' own manifests against `tskube up`: what a reader types
// must give what the page shows (names, ages, addresses and times aside).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster, kubectlOk, kubectlJson } from './harness.js';
import { BUSYBOX_STATIC, describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const json = (args: string[]) => kubectlJson(c, args);
/** ready waits until the pods are Ready, as a reader's `kubectl get pod` until it says Running. */
const ready = async (pods: string[], ns = 'default') => {
  const args = ['wait', '--for=condition=Ready', '-n', ns, '--timeout=180s', ...pods.map((p) => `pod/${p}`)];
  const r = await kubectl(c, args, { timeoutMs: 200_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}\n${(await k(['get', 'pods', '-n', ns, '-o', 'wide'])).stdout}`);
};
/** resources is the first container's resources as the server stored them. */
const resources = async (pod: string, ns: string) => (await json(['get', 'pod', pod, '-n', ns])).spec.containers[0].resources;

/** pod is one of the pages' single-container pods (their manifests differ only in these). */
function pod(name: string, container: string, image: string, resources?: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: ${container}
    image: ${image}
${resources ? `    resources:\n${resources.replace(/^/gm, '      ')}\n` : ''}`;
}

// Configure Default Memory Requests and Limits for a Namespace
const MEMORY_DEFAULTS = `apiVersion: v1
kind: LimitRange
metadata:
  name: mem-limit-range
spec:
  limits:
  - default:
      memory: 512Mi
    defaultRequest:
      memory: 256Mi
    type: Container
`;
// Configure Minimum and Maximum CPU Constraints for a Namespace
const CPU_CONSTRAINTS = `apiVersion: v1
kind: LimitRange
metadata:
  name: cpu-min-max-demo-lr
spec:
  limits:
  - max:
      cpu: "800m"
    min:
      cpu: "200m"
    type: Container
`;
// Configure Memory and CPU Quotas for a Namespace
const QUOTA_MEM_CPU = `apiVersion: v1
kind: ResourceQuota
metadata:
  name: mem-cpu-demo
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
`;
// Configure a Security Context for a Pod or Container
const SECURITY_CONTEXT = `apiVersion: v1
kind: Pod
metadata:
  name: security-context-demo
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000]
  volumes:
  - name: sec-ctx-vol
    emptyDir: {}
  containers:
  - name: sec-ctx-demo
    image: busybox:1.28
    command: [ "sh", "-c", "sleep 1h" ]
    volumeMounts:
    - name: sec-ctx-vol
      mountPath: /data/demo
    securityContext:
      allowPrivilegeEscalation: false
`;
const SECURITY_CONTEXT_2 = `apiVersion: v1
kind: Pod
metadata:
  name: security-context-demo-2
spec:
  securityContext:
    runAsUser: 1000
  containers:
  - name: sec-ctx-demo-2
    image: gcr.io/google-samples/hello-app:2.0
    securityContext:
      runAsUser: 2000
      allowPrivilegeEscalation: false
`;
const SECURITY_CONTEXT_4 = `apiVersion: v1
kind: Pod
metadata:
  name: security-context-demo-4
spec:
  containers:
  - name: sec-ctx-4
    image: gcr.io/google-samples/hello-app:2.0
    securityContext:
      capabilities:
        add: ["NET_ADMIN", "SYS_TIME"]
`;
// its implicit group memberships (security-context-5.yaml; the page names this pod security-context-demo too)
const SECURITY_CONTEXT_5 = `apiVersion: v1
kind: Pod
metadata:
  name: security-context-demo-5
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000]
  containers:
  - name: sec-ctx-demo
    image: registry.k8s.io/e2e-test-images/agnhost:2.45
    command: [ "sh", "-c", "sleep 1h" ]
    securityContext:
      allowPrivilegeEscalation: false
`;
// Configure Service Accounts for Pods
const BUILD_ROBOT_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: build-robot-secret
  annotations:
    kubernetes.io/service-account.name: build-robot
type: kubernetes.io/service-account-token
`;
const PROJECTED_SA_TOKEN = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - image: nginx
    name: nginx
    volumeMounts:
    - mountPath: /var/run/secrets/tokens
      name: vault-token
  serviceAccountName: build-robot
  volumes:
  - name: vault-token
    projected:
      sources:
      - serviceAccountToken:
          path: vault-token
          expirationSeconds: 7200
          audience: vault
`;
// Configure a Pod to Use a Projected Volume for Storage
const PROJECTED = `apiVersion: v1
kind: Pod
metadata:
  name: test-projected-volume
spec:
  containers:
  - name: test-projected-volume
    image: busybox:1.28
    args:
    - sleep
    - "86400"
    volumeMounts:
    - name: all-in-one
      mountPath: "/projected-volume"
      readOnly: true
  volumes:
  - name: all-in-one
    projected:
      sources:
      - secret:
          name: user
      - secret:
          name: pass
`;
// Expose Pod Information to Containers Through Files
const DAPI_VOLUME = `apiVersion: v1
kind: Pod
metadata:
  name: kubernetes-downwardapi-volume-example
  labels:
    zone: us-est-coast
    cluster: test-cluster1
    rack: rack-22
  annotations:
    build: two
    builder: john-doe
spec:
  containers:
    - name: client-container
      image: registry.k8s.io/busybox:1.27.2
      command: ["sh", "-c"]
      args:
      - while true; do
          if [[ -e /etc/podinfo/labels ]]; then
            echo -en '\\n\\n'; cat /etc/podinfo/labels; fi;
          if [[ -e /etc/podinfo/annotations ]]; then
            echo -en '\\n\\n'; cat /etc/podinfo/annotations; fi;
          sleep 5;
        done;
      volumeMounts:
        - name: podinfo
          mountPath: /etc/podinfo
  volumes:
    - name: podinfo
      downwardAPI:
        items:
          - path: "labels"
            fieldRef:
              fieldPath: metadata.labels
          - path: "annotations"
            fieldRef:
              fieldPath: metadata.annotations
`;
const DAPI_VOLUME_RESOURCES = `apiVersion: v1
kind: Pod
metadata:
  name: kubernetes-downwardapi-volume-example-2
spec:
  containers:
    - name: client-container
      image: registry.k8s.io/busybox:1.27.2
      command: ["sh", "-c"]
      args:
      - while true; do
          echo -en '\\n';
          if [[ -e /etc/podinfo/cpu_limit ]]; then
            echo -en '\\n'; cat /etc/podinfo/cpu_limit; fi;
          if [[ -e /etc/podinfo/cpu_request ]]; then
            echo -en '\\n'; cat /etc/podinfo/cpu_request; fi;
          if [[ -e /etc/podinfo/mem_limit ]]; then
            echo -en '\\n'; cat /etc/podinfo/mem_limit; fi;
          if [[ -e /etc/podinfo/mem_request ]]; then
            echo -en '\\n'; cat /etc/podinfo/mem_request; fi;
          sleep 5;
        done;
      resources:
        requests:
          memory: "32Mi"
          cpu: "125m"
        limits:
          memory: "64Mi"
          cpu: "250m"
      volumeMounts:
        - name: podinfo
          mountPath: /etc/podinfo
  volumes:
    - name: podinfo
      downwardAPI:
        items:
          - path: "cpu_limit"
            resourceFieldRef:
              containerName: client-container
              resource: limits.cpu
              divisor: 1m
          - path: "cpu_request"
            resourceFieldRef:
              containerName: client-container
              resource: requests.cpu
              divisor: 1m
          - path: "mem_limit"
            resourceFieldRef:
              containerName: client-container
              resource: limits.memory
              divisor: 1Mi
          - path: "mem_request"
            resourceFieldRef:
              containerName: client-container
              resource: requests.memory
              divisor: 1Mi
`;
// Expose Pod Information to Containers Through Environment Variables
const DAPI_ENVARS_POD = `apiVersion: v1
kind: Pod
metadata:
  name: dapi-envars-fieldref
spec:
  containers:
    - name: test-container
      image: registry.k8s.io/busybox:1.27.2
      command: [ "sh", "-c"]
      args:
      - while true; do
          echo -en '\\n';
          printenv MY_NODE_NAME MY_POD_NAME MY_POD_NAMESPACE;
          printenv MY_POD_IP MY_POD_SERVICE_ACCOUNT;
          sleep 10;
        done;
      env:
        - name: MY_NODE_NAME
          valueFrom:
            fieldRef:
              fieldPath: spec.nodeName
        - name: MY_POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: MY_POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: MY_POD_IP
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        - name: MY_POD_SERVICE_ACCOUNT
          valueFrom:
            fieldRef:
              fieldPath: spec.serviceAccountName
  restartPolicy: Never
`;
const DAPI_ENVARS_CONTAINER = `apiVersion: v1
kind: Pod
metadata:
  name: dapi-envars-resourcefieldref
spec:
  containers:
    - name: test-container
      image: registry.k8s.io/busybox:1.27.2
      command: [ "sh", "-c"]
      args:
      - while true; do
          echo -en '\\n';
          printenv MY_CPU_REQUEST MY_CPU_LIMIT;
          printenv MY_MEM_REQUEST MY_MEM_LIMIT;
          sleep 10;
        done;
      resources:
        requests:
          memory: "32Mi"
          cpu: "125m"
        limits:
          memory: "64Mi"
          cpu: "250m"
      env:
        - name: MY_CPU_REQUEST
          valueFrom:
            resourceFieldRef:
              containerName: test-container
              resource: requests.cpu
        - name: MY_CPU_LIMIT
          valueFrom:
            resourceFieldRef:
              containerName: test-container
              resource: limits.cpu
        - name: MY_MEM_REQUEST
          valueFrom:
            resourceFieldRef:
              containerName: test-container
              resource: requests.memory
        - name: MY_MEM_LIMIT
          valueFrom:
            resourceFieldRef:
              containerName: test-container
              resource: limits.memory
  restartPolicy: Never
`;

describeNeeding('Configure Pods and Containers pages with kubectl', { timeout: 8 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, BUSYBOX_STATIC) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.includes(' Ready '), 'a Ready node');
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Default memory requests and limits: the LimitRange fills in what a container leaves out', async () => {
    const ns = 'default-mem-example';
    await ok(['create', 'namespace', ns]);
    await ok(['apply', '-n', ns, '-f', '-'], MEMORY_DEFAULTS);
    await ok(['apply', '-n', ns, '-f', '-'], pod('default-mem-demo', 'default-mem-demo-ctr', 'nginx'));
    assert.deepEqual(await resources('default-mem-demo', ns), { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } });
    const annotations = (await json(['get', 'pod', 'default-mem-demo', '-n', ns])).metadata.annotations;
    assert.equal(annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container default-mem-demo-ctr; memory limit for container default-mem-demo-ctr');
    // a limit without a request: the request is the limit
    await ok(['apply', '-n', ns, '-f', '-'], pod('default-mem-demo-2', 'default-mem-demo-2-ctr', 'nginx', 'limits:\n  memory: "1Gi"'));
    assert.deepEqual(await resources('default-mem-demo-2', ns), { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
    // a request without a limit: the default limit
    await ok(['apply', '-n', ns, '-f', '-'], pod('default-mem-demo-3', 'default-mem-demo-3-ctr', 'nginx', 'requests:\n  memory: "128Mi"'));
    assert.deepEqual(await resources('default-mem-demo-3', ns), { limits: { memory: '512Mi' }, requests: { memory: '128Mi' } });
    assert.match(await ok(['describe', 'limitrange', '-n', ns]), /^Container\s+memory\s+-\s+-\s+256Mi\s+512Mi\s+-\s*$/m);
    // the page's clean up (its CPU requests would otherwise crowd the node for the pages after it)
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });

  it('Minimum and maximum CPU constraints: defaults are the max, pods outside the range are refused with the admission message', async () => {
    const ns = 'constraints-cpu-example';
    await ok(['create', 'namespace', ns]);
    await ok(['apply', '-n', ns, '-f', '-'], CPU_CONSTRAINTS);
    const lr = await json(['get', 'limitrange', 'cpu-min-max-demo-lr', '-n', ns]);
    assert.deepEqual(lr.spec.limits, [{ default: { cpu: '800m' }, defaultRequest: { cpu: '800m' }, max: { cpu: '800m' }, min: { cpu: '200m' }, type: 'Container' }]);
    await ok(['apply', '-n', ns, '-f', '-'], pod('constraints-cpu-demo', 'constraints-cpu-demo-ctr', 'nginx', 'limits:\n  cpu: "800m"\nrequests:\n  cpu: "500m"'));
    assert.deepEqual(await resources('constraints-cpu-demo', ns), { limits: { cpu: '800m' }, requests: { cpu: '500m' } });
    const over = await k(['apply', '-n', ns, '-f', '-'], pod('constraints-cpu-demo-2', 'constraints-cpu-demo-2-ctr', 'nginx', 'limits:\n  cpu: "1.5"\nrequests:\n  cpu: "500m"'));
    assert.equal(over.code, 1);
    assert.equal(over.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m\n');
    const under = await k(['apply', '-n', ns, '-f', '-'], pod('constraints-cpu-demo-3', 'constraints-cpu-demo-3-ctr', 'nginx', 'limits:\n  cpu: "800m"\nrequests:\n  cpu: "100m"'));
    assert.equal(under.code, 1);
    assert.equal(under.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "constraints-cpu-demo-3" is forbidden: minimum cpu usage per Container is 200m, but request is 100m\n');
    await ok(['apply', '-n', ns, '-f', '-'], pod('constraints-cpu-demo-4', 'constraints-cpu-demo-4-ctr', 'vish/stress'));
    assert.deepEqual(await resources('constraints-cpu-demo-4', ns), { limits: { cpu: '800m' }, requests: { cpu: '800m' } });
    // the page's clean up
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });

  it('Memory and CPU quotas: status.used counts the pod, the second pod is refused for requests.memory', async () => {
    const ns = 'quota-mem-cpu-example';
    await ok(['create', 'namespace', ns]);
    await ok(['apply', '-n', ns, '-f', '-'], QUOTA_MEM_CPU);
    await ok(['apply', '-n', ns, '-f', '-'], pod('quota-mem-cpu-demo', 'quota-mem-cpu-demo-ctr', 'nginx',
      'limits:\n  memory: "800Mi"\n  cpu: "800m"\nrequests:\n  memory: "600Mi"\n  cpu: "400m"'));
    await waitFor(async () => {
      const used = JSON.parse(await ok(['get', 'resourcequota', 'mem-cpu-demo', '-n', ns, '-o', 'jsonpath={ .status.used }']) || '{}');
      return used['requests.memory'] === '600Mi' && used['limits.cpu'] === '800m';
    }, 'the quota counting quota-mem-cpu-demo');
    assert.deepEqual(JSON.parse(await ok(['get', 'resourcequota', 'mem-cpu-demo', '-n', ns, '-o', 'jsonpath={ .status.used }'])),
      { 'limits.cpu': '800m', 'limits.memory': '800Mi', 'requests.cpu': '400m', 'requests.memory': '600Mi' });
    const refused = await k(['apply', '-n', ns, '-f', '-'], pod('quota-mem-cpu-demo-2', 'quota-mem-cpu-demo-2-ctr', 'redis',
      'limits:\n  memory: "1Gi"\n  cpu: "800m"\nrequests:\n  memory: "700Mi"\n  cpu: "400m"'));
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "quota-mem-cpu-demo-2" is forbidden: ' +
      'exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi\n');
    // the page's clean up
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });

  it('Quality of Service: Guaranteed, Burstable, BestEffort and the two-container Burstable pod', async () => {
    const ns = 'qos-example';
    await ok(['create', 'namespace', ns]);
    await ok(['apply', '-n', ns, '-f', '-'], pod('qos-demo', 'qos-demo-ctr', 'nginx', 'limits:\n  memory: "200Mi"\n  cpu: "700m"\nrequests:\n  memory: "200Mi"\n  cpu: "700m"'));
    await ok(['apply', '-n', ns, '-f', '-'], pod('qos-demo-2', 'qos-demo-2-ctr', 'nginx', 'limits:\n  memory: "200Mi"\nrequests:\n  memory: "100Mi"'));
    await ok(['apply', '-n', ns, '-f', '-'], pod('qos-demo-3', 'qos-demo-3-ctr', 'nginx'));
    await ok(['apply', '-n', ns, '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: qos-demo-4
spec:
  containers:
  - name: qos-demo-4-ctr-1
    image: nginx
    resources:
      requests:
        memory: "200Mi"
  - name: qos-demo-4-ctr-2
    image: redis
`);
    const want: Record<string, string> = { 'qos-demo': 'Guaranteed', 'qos-demo-2': 'Burstable', 'qos-demo-3': 'BestEffort', 'qos-demo-4': 'Burstable' };
    for (const [name, qos] of Object.entries(want)) {
      assert.match(await ok(['get', 'pod', name, '-n', ns, '-o', 'yaml']), new RegExp(`^  qosClass: ${qos}$`, 'm'), name);
    }
    await ready(Object.keys(want), ns);
    assert.match(await ok(['describe', 'pod', 'qos-demo', '-n', ns]), /^QoS Class:\s+Guaranteed$/m);
    // the page's clean up
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });

  it('Security context: runAsUser, runAsGroup, fsGroup and supplementalGroups as ps, ls -l and id show them; capabilities', async () => {
    await ok(['apply', '-f', '-'], SECURITY_CONTEXT);
    await ok(['apply', '-f', '-'], SECURITY_CONTEXT_2);
    await ok(['apply', '-f', '-'], pod('security-context-demo-3', 'sec-ctx-3', 'gcr.io/google-samples/hello-app:2.0'));
    await ok(['apply', '-f', '-'], SECURITY_CONTEXT_4);
    await ready(['security-context-demo', 'security-context-demo-2', 'security-context-demo-3', 'security-context-demo-4']);
    // uid 1000 has no name in busybox's /etc/passwd: ps and ls print the number
    const ps = await ok(['exec', 'security-context-demo', '--', 'ps']);
    assert.match(ps, /^PID   USER     TIME  COMMAND\n    1 1000      0:00 sleep 1h\n/);
    assert.match(ps, /^ +\d+ 1000      0:00 ps$/m);
    assert.match(await ok(['exec', 'security-context-demo', '--', 'sh', '-c', 'cd /data; ls -l']), /^drwxrwsrwx\s+2 root\s+2000\s+\d+ .* demo$/m);
    assert.match(await ok(['exec', 'security-context-demo', '--', 'sh', '-c', 'cd /data/demo; echo hello > testfile; ls -l']),
      /^-rw-r--r--\s+1 1000\s+2000\s+6 .* testfile$/m);
    assert.equal(await ok(['exec', 'security-context-demo', '--', 'id']), 'uid=1000 gid=3000 groups=2000,3000,4000\n');
    // the container's runAsUser wins over the pod's; hello-app's program is /hello-app
    assert.match(await ok(['exec', 'security-context-demo-2', '--', 'ps', 'aux']), /^PID   USER     TIME  COMMAND\n    1 2000      0:00 \/hello-app\n/);
    const caps = async (p: string) => (await ok(['exec', p, '--', 'sh', '-c', 'cd /proc/1; cat status'])).split('\n').filter((l) => /^Cap(Prm|Eff):/.test(l));
    assert.deepEqual(await caps('security-context-demo-3'), ['CapPrm:\t00000000a80425fb', 'CapEff:\t00000000a80425fb']);
    assert.deepEqual(await caps('security-context-demo-4'), ['CapPrm:\t00000000aa0435fb', 'CapEff:\t00000000aa0435fb']);
    // the image's /etc/group puts its user 1000 in group 50000, which the process gets too
    await ok(['apply', '-f', '-'], SECURITY_CONTEXT_5);
    await ready(['security-context-demo-5']);
    assert.match(await ok(['exec', 'security-context-demo-5', '--', 'id']), /^uid=1000(\(user-defined-in-image\))? gid=3000 groups=3000,4000,50000(\(group-defined-in-image\))?$/m);
    assert.match(await ok(['exec', 'security-context-demo-5', '--', 'cat', '/etc/group']), /^user-defined-in-image:x:1000:\ngroup-defined-in-image:x:50000:user-defined-in-image$/m);
  });

  it('Service accounts: create token, a legacy token Secret filled in, imagePullSecrets from the account, a projected token for vault', async () => {
    assert.match(await ok(['get', 'serviceaccounts']), /^default\s+0\s+\S+$/m);
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: build-robot\n');
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.trim().split('.')[1], 'base64url').toString());
    assert.equal(claims(await ok(['create', 'token', 'build-robot'])).sub, 'system:serviceaccount:default:build-robot');
    await ok(['apply', '-f', '-'], BUILD_ROBOT_SECRET);
    const described = await waitFor(async () => {
      const d = await ok(['describe', 'secrets/build-robot-secret']);
      return /^token:\s+ey/m.test(d) && d;
    }, 'the token controller filling build-robot-secret');
    assert.match(described, /^Type:\s+kubernetes\.io\/service-account-token$/m);
    assert.match(described, /^ca\.crt:\s+\d+ bytes$/m);
    assert.match(described, /^namespace:\s+7 bytes$/m);
    await ok(['create', 'secret', 'docker-registry', 'myregistrykey', '--docker-server=registry.example.com',
      '--docker-username=DUMMY_USERNAME', '--docker-password=DUMMY_DOCKER_PASSWORD', '--docker-email=DUMMY_DOCKER_EMAIL']);
    assert.equal(await ok(['patch', 'serviceaccount', 'default', '-p', '{"imagePullSecrets": [{"name": "myregistrykey"}]}']), 'serviceaccount/default patched\n');
    await ok(['run', 'pull-secret-demo', '--image=registry.example.com/nginx', '--restart=Never']);
    assert.equal(await ok(['get', 'pod', 'pull-secret-demo', '-o=jsonpath={.spec.imagePullSecrets[0].name}{"\\n"}']), 'myregistrykey\n');
    await ok(['delete', 'pod', 'pull-secret-demo', '--wait=false']);
    await ok(['apply', '-f', '-'], PROJECTED_SA_TOKEN);
    await ready(['nginx']);
    const token = claims(await ok(['exec', 'nginx', '--', 'cat', '/var/run/secrets/tokens/vault-token']));
    assert.deepEqual(token.aud, ['vault']);
    assert.equal(token.exp - token.iat, 7200);
    assert.equal(token['kubernetes.io'].pod.name, 'nginx');
  });

  it('Projected volume: the user and pass secrets side by side in /projected-volume', async () => {
    await ok(['create', 'secret', 'generic', 'user', '--from-literal=username.txt=admin']);
    await ok(['create', 'secret', 'generic', 'pass', '--from-literal=password.txt=1f2d1e2e67df']);
    await ok(['apply', '-f', '-'], PROJECTED);
    await ready(['test-projected-volume']);
    assert.equal(await ok(['exec', 'test-projected-volume', '--', 'ls', '/projected-volume/']), 'password.txt\nusername.txt\n');
    assert.equal(await ok(['exec', 'test-projected-volume', '--', 'cat', '/projected-volume/username.txt', '/projected-volume/password.txt']), 'admin1f2d1e2e67df');
    // busybox's root is in wheel by the image's /etc/group
    assert.equal(await ok(['exec', 'test-projected-volume', '--', 'id']), 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
  });

  it('Downward API through files: labels and annotations (quoted as %q), resources with divisors; a tmpfs-like root', async () => {
    await ok(['apply', '-f', '-'], DAPI_VOLUME);
    await ok(['apply', '-f', '-'], DAPI_VOLUME_RESOURCES);
    await ready(['kubernetes-downwardapi-volume-example', 'kubernetes-downwardapi-volume-example-2']);
    const logs = await waitFor(async () => {
      const l = await ok(['logs', 'kubernetes-downwardapi-volume-example']);
      return /^kubernetes\.io\/config\.source="api"$/m.test(l) && l;
    }, 'the labels and annotations in the log');
    assert.ok(logs.includes('\n\ncluster="test-cluster1"\nrack="rack-22"\nzone="us-est-coast"\n\nbuild="two"\nbuilder="john-doe"\n'), logs);
    // kubectl apply's annotation is one %q-quoted line
    assert.match(logs, /^kubectl\.kubernetes\.io\/last-applied-configuration="\{\\"apiVersion\\":\\"v1\\",.*\}\\n"$/m);
    // and the kubelet's own two: when it first saw the pod, and where from
    assert.match(logs, /\}\\n"\nkubernetes\.io\/config\.seen="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"\nkubernetes\.io\/config\.source="api"\n/);
    const listing = await ok(['exec', 'kubernetes-downwardapi-volume-example', '--', 'ls', '-la', '/etc/podinfo']);
    assert.match(listing, /^drwxrwxrwt\s+3 root\s+root\s+\d+ .* \.$/m);
    assert.match(listing, /^lrwxrwxrwx\s+1 root\s+root\s+\d+ .* \.\.data -> \.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/m);
    assert.match(listing, /^lrwxrwxrwx\s+1 root\s+root\s+13 .* labels -> \.\.data\/labels$/m);
    const resourcesLog = await waitFor(async () => {
      const l = await ok(['logs', 'kubernetes-downwardapi-volume-example-2']);
      return l.includes('32') && l;
    }, 'the resource files in the log');
    assert.ok(resourcesLog.startsWith('\n\n250\n125\n64\n32'), JSON.stringify(resourcesLog));
    assert.equal(await ok(['exec', 'kubernetes-downwardapi-volume-example-2', '--', 'cat', '/etc/podinfo/cpu_limit']), '250');
  });

  it('Downward API through environment variables: the pod\'s fields and the container\'s resources', async () => {
    await ok(['apply', '-f', '-'], DAPI_ENVARS_POD);
    await ok(['apply', '-f', '-'], DAPI_ENVARS_CONTAINER);
    await ready(['dapi-envars-fieldref', 'dapi-envars-resourcefieldref']);
    const p = await json(['get', 'pod', 'dapi-envars-fieldref']);
    /** lines waits for a log of at least n lines (the loop's first round, written line by line). */
    const lines = (name: string, n: number) => waitFor(async () => {
      const l = await ok(['logs', name]);
      return l.split('\n').length > n && l;
    }, `${name}'s first round in its log`);
    const fields = await lines('dapi-envars-fieldref', 6);
    assert.ok(fields.startsWith(`\n${p.spec.nodeName}\ndapi-envars-fieldref\ndefault\n${p.status.podIP}\ndefault\n`), JSON.stringify(fields));
    const res = await lines('dapi-envars-resourcefieldref', 5);
    assert.ok(res.startsWith('\n1\n1\n33554432\n67108864\n'), JSON.stringify(res));
    assert.match(await ok(['exec', 'dapi-envars-fieldref', '--', 'printenv']), /^MY_POD_SERVICE_ACCOUNT=default$/m);
  });
});
