// Valid manifests of every kind tskube serves, for test/fuzz.test.ts to mutate. Each one fills in
// the lists and nested structures the API server walks (selectors, containers, ports, volumes,
// env, probes, tolerations, affinity terms, owner references), so that mutations reach them.

type JsonObject = { [k: string]: unknown };

const labels = { app: 'fz', tier: 'web' };
const selector = {
  matchLabels: { app: 'fz' },
  matchExpressions: [
    { key: 'tier', operator: 'In', values: ['web', 'api'] },
    { key: 'legacy', operator: 'DoesNotExist' },
  ],
};

const podSpec = {
  initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
  containers: [{
    name: 'app',
    image: 'nginx:1.25',
    command: ['node'],
    args: ['server.js', '--port=8080'],
    workingDir: '/app',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090, hostPort: 9090 }],
    env: [
      { name: 'PLAIN', value: 'x' },
      { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
    ],
    envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }, { secretRef: { name: 's', optional: true } }],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
    volumeMounts: [{ name: 'config', mountPath: '/etc/config', readOnly: true }, { name: 'scratch', mountPath: '/tmp', subPath: 'x' }],
    livenessProbe: { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-A', value: 'b' }] }, initialDelaySeconds: 5, periodSeconds: 10 },
    readinessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 3 },
    startupProbe: { exec: { command: ['cat', '/tmp/ready'] } },
    lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } }, postStart: { httpGet: { port: 8080 } } },
    securityContext: { runAsUser: 1000, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
    imagePullPolicy: 'IfNotPresent',
  }],
  volumes: [
    { name: 'config', configMap: { name: 'cm', items: [{ key: 'k', path: 'k.conf', mode: 0o644 }], defaultMode: 0o644 } },
    { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'secret', secret: { secretName: 's', items: [{ key: 'k', path: 'k' }] } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'pvc', readOnly: true } },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: 'proj', projected: { sources: [{ configMap: { name: 'cm' } }, { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
  ],
  nodeSelector: { disktype: 'ssd' },
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'dedicated', operator: 'Equal', value: 'fz', effect: 'NoSchedule' },
  ],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n0'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
    },
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname', namespaces: ['default'] }],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'fz' } }, topologyKey: 'zone', namespaceSelector: {} } }],
    },
  },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'fz' } } }],
  securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['a.example'] }],
  dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
  imagePullSecrets: [{ name: 'reg' }],
  readinessGates: [{ conditionType: 'example.com/ready' }],
  terminationGracePeriodSeconds: 30,
  restartPolicy: 'Always',
};

const meta = (name: string): JsonObject => ({
  name,
  labels: { ...labels },
  annotations: { 'example.com/note': 'fuzzed' },
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'owner', uid: 'c5e5e3c6-9d7b-4d8f-9a1e-1b2c3d4e5f60', controller: false, blockOwnerDeletion: false }],
  finalizers: ['example.com/keep'],
});

const RBAC = 'rbac.authorization.k8s.io';
const subjects = [
  { kind: 'User', name: 'jane', apiGroup: RBAC },
  { kind: 'Group', name: 'devs', apiGroup: RBAC },
  { kind: 'ServiceAccount', name: 'sa', namespace: 'fuzz' },
];
const caBundle = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ='; // base64 (not checked as PEM by the API)
// Webhooks and policies match a group nothing in the run creates, so they never intercept the fuzzing.
const webhookRules = [
  { operations: ['CREATE', 'UPDATE'], apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], resources: ['widgets', 'widgets/status'], scope: 'Namespaced' },
  { operations: ['DELETE'], apiGroups: ['fuzz.example.com'], apiVersions: ['*'], resources: ['gadgets'], scope: '*' },
];
const webhook = (name: string, path: string) => ({
  name,
  clientConfig: { service: { namespace: 'fuzz', name: 'svc', path, port: 443 }, caBundle },
  rules: webhookRules,
  failurePolicy: 'Ignore',
  matchPolicy: 'Equivalent',
  namespaceSelector: selector,
  objectSelector: { matchLabels: { webhook: 'on' }, matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] },
  sideEffects: 'None',
  timeoutSeconds: 5,
  admissionReviewVersions: ['v1', 'v1beta1'],
  matchConditions: [{ name: 'not-admin', expression: "request.userInfo.username != 'admin'" }],
});
const urlWebhook = (name: string) => ({ ...webhook(name, '/x'), clientConfig: { url: 'https://127.0.0.1:1/hook' } });
const resourceRules = [{ apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['widgets'], scope: 'Namespaced' }];
const reviewAttributes = {
  namespace: 'fuzz', verb: 'get', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', name: 'd',
  fieldSelector: { requirements: [{ key: 'metadata.name', operator: 'In', values: ['d'] }] },
  labelSelector: { requirements: [{ key: 'app', operator: 'In', values: ['fz'] }, { key: 'tier', operator: 'Exists' }] },
};

const template = { metadata: { labels: { ...labels } }, spec: podSpec };
const podTemplateNever = { metadata: { labels: { ...labels } }, spec: { ...podSpec, restartPolicy: 'Never' } };

/** builtInManifests: one valid object per served kind (name and namespace are set by the fuzzer). */
export const builtInManifests: JsonObject[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: podSpec },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cm'), data: { k: 'v', 'game.properties': 'a=1\nb=2' }, binaryData: { bin: 'AAEC' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('s'), type: 'Opaque', data: { k: 'dg==' }, stringData: { s: 'plain' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('sa'), secrets: [{ name: 's' }], imagePullSecrets: [{ name: 'reg' }] },
  { apiVersion: 'v1', kind: 'Service', metadata: meta('svc'), spec: { selector: { app: 'fz' }, type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090 }], sessionAffinity: 'ClientIP' } },
  { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('ep'), subsets: [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'p', namespace: 'fuzz' } }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }] },
  { apiVersion: 'v1', kind: 'Event', metadata: meta('ev'), involvedObject: { kind: 'Pod', name: 'p', namespace: 'fuzz', apiVersion: 'v1' }, reason: 'Started', message: 'Started container app', type: 'Normal', source: { component: 'kubelet', host: 'n1' }, count: 1, firstTimestamp: '2024-01-01T00:00:00Z', lastTimestamp: '2024-01-01T00:00:00Z' },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { ...labels } }, spec: { finalizers: ['kubernetes'] } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: { 'kubernetes.io/hostname': 'n' } }, spec: { podCIDR: '10.244.0.0/24', taints: [{ key: 'dedicated', value: 'fz', effect: 'NoSchedule' }], unschedulable: false } },
  { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv', labels: { ...labels } }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv' }, persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual', claimRef: { namespace: 'fuzz', name: 'pvc' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('pvc'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, limits: { storage: '2Gi' } }, storageClassName: 'manual', selector } },
  { apiVersion: 'v1', kind: 'ReplicationController', metadata: meta('rc'), spec: { replicas: 2, selector: { app: 'fz' }, template } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec: { replicas: 2, selector, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } }, minReadySeconds: 1, revisionHistoryLimit: 3, progressDeadlineSeconds: 600 } },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('rs'), spec: { replicas: 2, selector, template } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('sts'), spec: { replicas: 2, serviceName: 'svc', selector, template, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('ds'), spec: { selector, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } } } },
  { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('cr'), revision: 1, data: { spec: { template: { metadata: { labels } } } } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('j'), spec: { completions: 3, parallelism: 2, backoffLimit: 4, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 100, template: podTemplateNever } },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('cj'), spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, jobTemplate: { metadata: { labels }, spec: { backoffLimit: 2, template: podTemplateNever } } } },
  { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta('hpa1'), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 } },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('hpa2'), spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'qps', selector }, target: { type: 'AverageValue', averageValue: '100' } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } },
  } },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('lease'), spec: { holderIdentity: 'me', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z', leaseTransitions: 0 } },
  { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta('ev2'), eventTime: '2024-01-01T00:00:00.000000Z', reportingController: 'example.com/fz', reportingInstance: 'fz-1', action: 'Started', reason: 'Started', type: 'Normal', regarding: { kind: 'Pod', name: 'p', namespace: 'fuzz' }, note: 'started' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('pdb'), spec: { minAvailable: '50%', selector } },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { ...meta('es'), labels: { 'kubernetes.io/service-name': 'svc' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'p', nodeName: 'n', targetRef: { kind: 'Pod', name: 'p', namespace: 'fuzz' } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
  {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com', scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
      versions: [{
        name: 'v1', served: true, storage: true, subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [{ name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' }],
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' }, replicas: { type: 'integer', minimum: 1, maximum: 10 }, image: { type: 'string' } } }, status: { type: 'object', properties: { replicas: { type: 'integer' } } } } } },
      }],
    },
  },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high', labels: { ...labels } }, value: 1000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority', description: 'for fuzzing' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sc', labels: { ...labels } }, provisioner: 'tskube.io/hostpath', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', parameters: { type: 'fast' }, mountOptions: ['ro'], allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }] },
  { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('pt'), template },
  { apiVersion: 'v1', kind: 'LimitRange', metadata: meta('lr'), spec: { limits: [
    { type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '10m', memory: '4Mi' }, default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' }, maxLimitRequestRatio: { cpu: '10' } },
    { type: 'Pod', max: { cpu: '4', memory: '2Gi' }, min: { cpu: '10m', memory: '4Mi' }, maxLimitRequestRatio: { memory: '4' } },
    { type: 'PersistentVolumeClaim', max: { storage: '10Gi' }, min: { storage: '1Gi' } },
  ] } },
  { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('quota'), spec: {
    hard: { pods: '10', 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi' },
    scopeSelector: { matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: ['high', 'medium'] }, { operator: 'Exists', scopeName: 'NotBestEffort' }] },
  } },
  { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('objects'), spec: {
    hard: { configmaps: '50', secrets: '50', services: '20', 'services.nodeports': '5', persistentvolumeclaims: '10', 'requests.storage': '100Gi', 'manual.storageclass.storage.k8s.io/requests.storage': '50Gi', 'count/deployments.apps': '20', 'count/jobs.batch': '20' },
  } },
  { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'rc', labels: { ...labels } }, handler: 'runc', overhead: { podFixed: { cpu: '250m', memory: '120Mi' } }, scheduling: {
    nodeSelector: { 'runtime.example.com/runc': 'true' },
    tolerations: [{ key: 'runtime', operator: 'Equal', value: 'runc', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
  } },
  { apiVersion: RBAC + '/v1', kind: 'Role', metadata: meta('role'), rules: [
    { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['d'], verbs: ['get', 'update', 'patch'] },
  ] },
  { apiVersion: RBAC + '/v1', kind: 'ClusterRole', metadata: { name: 'cr', labels: { ...labels } }, rules: [
    { apiGroups: ['', 'apps'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
    { nonResourceURLs: ['/healthz', '/metrics', '/logs/*'], verbs: ['get'] },
  ] },
  { apiVersion: RBAC + '/v1', kind: 'ClusterRole', metadata: { name: 'agg', labels: { ...labels } }, aggregationRule: { clusterRoleSelectors: [selector, { matchLabels: { 'rbac.example.com/aggregate-to-agg': 'true' } }] }, rules: [] },
  { apiVersion: RBAC + '/v1', kind: 'RoleBinding', metadata: meta('rb'), subjects, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'role' } },
  { apiVersion: RBAC + '/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb', labels: { ...labels } }, subjects, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' } },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'vwc', labels: { ...labels } }, webhooks: [webhook('validate.fuzz.example.com', '/validate'), urlWebhook('url.fuzz.example.com')] },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'mwc', labels: { ...labels } }, webhooks: [
    { ...webhook('mutate.fuzz.example.com', '/mutate'), reinvocationPolicy: 'IfNeeded' }, { ...urlWebhook('url.fuzz.example.com'), reinvocationPolicy: 'Never' },
  ] },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'vap', labels: { ...labels } }, spec: {
    failurePolicy: 'Fail',
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    matchConstraints: { resourceRules, excludeResourceRules: [{ apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], operations: ['*'], resources: ['widgets'], resourceNames: ['legacy'] }], namespaceSelector: selector, objectSelector: { matchLabels: { app: 'fz' } }, matchPolicy: 'Equivalent' },
    matchConditions: [{ name: 'not-admin', expression: "request.userInfo.username != 'admin'" }],
    variables: [{ name: 'replicas', expression: 'object.spec.replicas' }],
    validations: [
      { expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5', reason: 'Invalid' },
      { expression: "object.metadata.name.startsWith('fz')", messageExpression: "'name ' + object.metadata.name + ' must start with fz'", reason: 'Forbidden' },
    ],
    auditAnnotations: [{ key: 'high-replicas', valueExpression: "'replicas: ' + string(object.spec.replicas)" }],
  } },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'vapb', labels: { ...labels } }, spec: {
    policyName: 'vap',
    validationActions: ['Deny', 'Audit'],
    paramRef: { name: 'cm', namespace: 'fuzz', parameterNotFoundAction: 'Deny' },
    matchResources: { resourceRules, excludeResourceRules: [{ apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], operations: ['DELETE'], resources: ['widgets'] }], namespaceSelector: selector, objectSelector: { matchLabels: { app: 'fz' } }, matchPolicy: 'Exact' },
  } },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'vapb-sel', labels: { ...labels } }, spec: {
    policyName: 'vap', validationActions: ['Warn'], paramRef: { selector, parameterNotFoundAction: 'Allow' },
  } },
  // A real PKCS#10 request (EC P-256, CN=fuzz): the server verifies its signature.
  { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'csr', labels: { ...labels } }, spec: {
    request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIWk1JR0FBZ0VBTUI0eERUQUxCZ05WQkFNTUJHWjFlbm94RFRBTEJnTlZCQW9NQkdSbGRuTXdXVEFUQmdjcQpoa2pPUFFJQkJnZ3Foa2pPUFFNQkJ3TkNBQVJlQVowYmdPbEphdlYwYm4rcTBSaDVXdnd3MEZ6MlNEQXF3c1BGCllZZElQME5SclY1eklLak1aNEthRXI2YW1tZ0NrSmVhLzNsWGkyZVB5RkgyRWMwaW9BQXdDZ1lJS29aSXpqMEUKQXdJRFNBQXdSUUloQUlFOFpmMjZKVnNMY2UwaTlXMWg4ZEVRVU9uNktqOGhmUkx2MXIvVUFobVVBaUFjaHlYVQpEYnhyS2JJWVZtVkdYQjZqSnJlekV4dFdKYVNjMWh6NllRZDV3Zz09Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=',
    signerName: 'example.com/fuzz', usages: ['digital signature', 'client auth'], expirationSeconds: 3600,
  } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('np'), spec: {
    podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }],
      ports: [{ protocol: 'TCP', port: 6379 }] }],
    egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }],
  } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'ic', labels: { ...labels } }, spec: { controller: 'example.com/ingress', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'fuzz' } } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('ing'), spec: {
    ingressClassName: 'ic', defaultBackend: { service: { name: 'svc', port: { name: 'http' } } },
    tls: [{ hosts: ['a.example.com', '*.b.example.com'], secretName: 's' }],
    rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 80 } } } }, { path: '/x', pathType: 'Exact', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' } } }] } }],
  } },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'hostpath.csi.k8s.io', labels: { ...labels } }, spec: { attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ['Persistent', 'Ephemeral'], tokenRequests: [{ audience: 'vault', expirationSeconds: 3600 }] } },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'n', labels: { ...labels } }, spec: { drivers: [{ name: 'hostpath.csi.k8s.io', nodeID: 'n', topologyKeys: ['topology.hostpath.csi/node'], allocatable: { count: 10 } }] } },
  { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va', labels: { ...labels } }, spec: { attacher: 'hostpath.csi.k8s.io', nodeName: 'n', source: { persistentVolumeName: 'pv' } } },
  { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1alpha1.fuzz.example.com', labels: { ...labels } }, spec: {
    group: 'fuzz.example.com', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 15, insecureSkipTLSVerify: true, service: { namespace: 'fuzz', name: 'svc', port: 8443 },
  } },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { name: 'ssr' } },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { name: 'tr' }, spec: { token: 't0k', audiences: ['https://kubernetes.default.svc.cluster.local', 'api'] } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec: { user: 'jane', groups: ['devs', 'system:authenticated'], uid: 'u-1', extra: { 'scopes.example.com': ['read', 'write'] }, resourceAttributes: reviewAttributes } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec: { user: 'jane', groups: ['devs'], nonResourceAttributes: { path: '/healthz', verb: 'get' } } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: 'fuzz' }, spec: { user: 'jane', groups: ['devs'], extra: { team: ['a'] }, resourceAttributes: { ...reviewAttributes, verb: 'list', resource: 'pods', subresource: '', name: '' } } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { ...reviewAttributes, verb: 'create' } } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'fuzz' } },
];
