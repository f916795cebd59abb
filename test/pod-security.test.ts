// End-to-end: Pod Security Admission as kubernetes.io's pages show it, replayed with the real kubectl
// against `tskube up`: "Apply Pod Security Standards at the Namespace Level" (its namespace steps),
// "Enforce Pod Security Standards with Namespace Labels", the `--dry-run=server` steps of "Migrate
// from PodSecurityPolicy", and the admission's refusals and warnings word for word.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster, kubectlOk, kubectlJson } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const labelsOf = async (ns: string) => (await kubectlJson(c, ['get', 'ns', ns])).metadata.labels as Record<string, string>;

const PSA = 'pod-security.kubernetes.io';

/** kubectl's stderr for a list of warnings */
const warnings = (...lines: string[]) => lines.map((l) => `Warning: ${l}\n`).join('');

// https://k8s.io/examples/security/example-baseline-pod.yaml
const BASELINE_POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
    - image: nginx
      name: nginx
      ports:
        - containerPort: 80
`;

const RESTRICTED_VIOLATIONS = (c: string) =>
  `allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), ` +
  `unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), ` +
  `runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), ` +
  `seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;
const RESTRICTED_REASONS = 'allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile';

const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: priv
spec:
  containers:
  - name: shell
    image: busybox
    command: ["sleep", "3600"]
    securityContext:
      privileged: true
`;

// A pod that meets the restricted standard (and runs).
const HARDENED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: hardened
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
`;

describeNeeding('Pod Security Admission pages with kubectl', { timeout: 8 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.includes(' Ready '), 'a Ready node');
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Apply Pod Security Standards at the Namespace Level: warn on restricted, enforce baseline', async () => {
    assert.equal(await ok(['create', 'ns', 'example']), 'namespace/example created\n');
    assert.equal(await ok(['label', '--overwrite', 'ns', 'example', `${PSA}/warn=baseline`, `${PSA}/warn-version=latest`]), 'namespace/example labeled\n');
    assert.equal(await ok(['label', '--overwrite', 'ns', 'example', `${PSA}/enforce=baseline`, `${PSA}/enforce-version=latest`,
      `${PSA}/warn=restricted`, `${PSA}/warn-version=latest`, `${PSA}/audit=restricted`, `${PSA}/audit-version=latest`]), 'namespace/example labeled\n');
    const inExample = await k(['apply', '-n', 'example', '-f', '-'], BASELINE_POD);
    assert.equal(inExample.code, 0, inExample.stderr);
    assert.equal(inExample.stderr, warnings(`would violate PodSecurity "restricted:latest": ${RESTRICTED_VIOLATIONS('nginx')}`));
    assert.equal(inExample.stdout, 'pod/nginx created\n');
    const inDefault = await k(['apply', '-n', 'default', '-f', '-'], BASELINE_POD);
    assert.deepEqual([inDefault.code, inDefault.stdout, inDefault.stderr], [0, 'pod/nginx created\n', '']);
  });

  it('Migrate from PodSecurityPolicy: dry-run a level on existing pods, audit, then enforce', async () => {
    await ok(['create', 'ns', 'legacy']);
    await ok(['apply', '-n', 'legacy', '-f', '-'], BASELINE_POD);
    await ok(['apply', '-n', 'legacy', '-f', '-'], PRIVILEGED_POD);
    await ok(['create', 'deployment', 'web', '-n', 'legacy', '--image=nginx', '--replicas=2']);
    await waitFor(async () => (await k(['get', 'pods', '-n', 'legacy', '-l', 'app=web', '--no-headers'])).stdout.trim().split('\n').length === 2 || undefined, 'the Deployment\'s two pods');

    // 3.b: the dry run warns about existing pods and changes nothing
    const baseline = await k(['label', '--dry-run=server', '--overwrite', 'ns', 'legacy', `${PSA}/enforce=baseline`]);
    assert.equal(baseline.stdout, 'namespace/legacy labeled (server dry run)\n');
    assert.equal(baseline.stderr, warnings(
      'existing pods in namespace "legacy" violate the new PodSecurity enforce level "baseline:latest"',
      'priv: privileged',
    ));
    const restricted = await k(['label', '--dry-run=server', '--overwrite', 'ns', 'legacy', `${PSA}/enforce=restricted`]);
    assert.equal(restricted.stderr, warnings(
      'existing pods in namespace "legacy" violate the new PodSecurity enforce level "restricted:latest"',
      `nginx (and 2 other pods): ${RESTRICTED_REASONS}`,
      `priv: privileged, ${RESTRICTED_REASONS}`,
    ));
    assert.equal((await labelsOf('legacy'))[`${PSA}/enforce`], undefined);

    // audit mode warns nobody
    const audit = await k(['label', '--overwrite', 'ns', 'legacy', `${PSA}/audit=restricted`]);
    assert.deepEqual([audit.stdout, audit.stderr], ['namespace/legacy labeled\n', '']);

    // 3.c: enforce for real: the same warnings, then the namespace refuses what the level forbids
    const enforce = await k(['label', '--overwrite', 'ns', 'legacy', `${PSA}/enforce=baseline`]);
    assert.deepEqual([enforce.stdout, enforce.stderr], ['namespace/legacy labeled\n', baseline.stderr]);
    const again = await k(['apply', '-n', 'legacy', '-f', '-'], PRIVILEGED_POD.replace('name: priv', 'name: priv2'));
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "priv2" is forbidden: violates PodSecurity "baseline:latest": ' +
      'privileged (container "shell" must not set securityContext.privileged=true)\n');
    // audit=restricted: tskube keeps no audit log, the verdict that would annotate the audit event is logged
    const audited = c.output().split('\n').filter((l) => l.includes('PodSecurity audit') && l.includes('priv2'));
    assert.equal(audited.length, 1, c.output().slice(-2000));
    assert.ok(audited[0].includes('pod-security.kubernetes.io/audit-violations') && audited[0].includes('restricted:latest'), audited[0]);
  });

  it('Enforce Pod Security Standards with Namespace Labels: a pinned namespace, dry runs over --all, audit and warn everywhere', async () => {
    const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: my-baseline-namespace
  labels:
    ${PSA}/enforce: baseline
    ${PSA}/enforce-version: v1.32

    # We are setting these to our _desired_ \`enforce\` level.
    ${PSA}/audit: restricted
    ${PSA}/audit-version: v1.32
    ${PSA}/warn: restricted
    ${PSA}/warn-version: v1.32
`;
    assert.equal(await ok(['apply', '-f', '-'], manifest), 'namespace/my-baseline-namespace created\n');
    const warned = await k(['apply', '-n', 'my-baseline-namespace', '-f', '-'], BASELINE_POD);
    assert.equal(warned.stderr, warnings(`would violate PodSecurity "restricted:v1.32": ${RESTRICTED_VIOLATIONS('nginx')}`));
    const refused = await k(['run', 'root-shell', '-n', 'my-baseline-namespace', '--image=busybox', '--privileged', '--', 'sleep', '1']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'Error from server (Forbidden): pods "root-shell" is forbidden: violates PodSecurity "baseline:v1.32": ' +
      'privileged (container "root-shell" must not set securityContext.privileged=true)\n');

    // a namespace whose pods baseline would refuse, and no enforce label yet
    await ok(['create', 'ns', 'hostnet']);
    await ok(['run', 'probe', '-n', 'hostnet', '--image=busybox', '--overrides={"spec":{"hostNetwork":true}}', '--', 'sleep', '3600']);
    const all = await k(['label', '--dry-run=server', '--overwrite', 'ns', '--all', `${PSA}/enforce=baseline`]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trim().split('\n');
    for (const ns of ['default', 'hostnet', 'kube-system']) assert.ok(lines.includes(`namespace/${ns} labeled (server dry run)`), all.stdout);
    for (const ns of ['example', 'legacy', 'my-baseline-namespace']) assert.ok(lines.includes(`namespace/${ns} not labeled (server dry run)`), all.stdout);
    assert.equal(all.stderr, warnings(
      'existing pods in namespace "hostnet" violate the new PodSecurity enforce level "baseline:latest"',
      'probe: host namespaces',
    ));
    assert.equal((await labelsOf('hostnet'))[`${PSA}/enforce`], undefined);

    // Applying to all namespaces: audit and warn only, so no pod is tried
    const auditAll = await k(['label', '--overwrite', 'ns', '--all', `${PSA}/audit=baseline`, `${PSA}/warn=baseline`]);
    assert.equal(auditAll.code, 0, auditAll.stderr);
    assert.equal(auditAll.stderr, '');
    const unenforced = (await ok(['get', 'namespaces', '--selector=!pod-security.kubernetes.io/enforce', '-o', 'name'])).trim().split('\n');
    assert.ok(unenforced.includes('namespace/hostnet') && unenforced.includes('namespace/default'), unenforced.join(' '));
    assert.ok(!unenforced.includes('namespace/legacy') && !unenforced.includes('namespace/my-baseline-namespace'), unenforced.join(' '));
    // warn=baseline now applies in hostnet: a new host-network pod is warned about, not refused
    const warnedRun = await k(['run', 'probe2', '-n', 'hostnet', '--image=busybox', '--overrides={"spec":{"hostNetwork":true}}', '--', 'sleep', '1']);
    assert.deepEqual([warnedRun.code, warnedRun.stderr], [0, warnings('would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)')]);

    // Applying to a single namespace
    await ok(['create', 'ns', 'my-existing-namespace']);
    assert.equal(await ok(['label', '--overwrite', 'ns', 'my-existing-namespace', `${PSA}/enforce=restricted`, `${PSA}/enforce-version=v1.32`]),
      'namespace/my-existing-namespace labeled\n');
  });

  it('enforce=restricted: bare pods are refused, a hardened one runs, workloads are warned about and their pods refused', async () => {
    await ok(['create', 'ns', 'locked']);
    await ok(['label', 'ns', 'locked', `${PSA}/enforce=restricted`]);
    const run = await k(['run', 'p', '-n', 'locked', '--image=busybox', '--', 'sleep', '1']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `Error from server (Forbidden): pods "p" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_VIOLATIONS('p')}\n`);

    const hardened = await k(['apply', '-n', 'locked', '-f', '-'], HARDENED_POD);
    assert.deepEqual([hardened.code, hardened.stdout, hardened.stderr], [0, 'pod/hardened created\n', '']);
    const wait = await kubectl(c, ['wait', '--for=condition=Ready', '-n', 'locked', '--timeout=120s', 'pod/hardened'], { timeoutMs: 150_000 });
    assert.equal(wait.code, 0, wait.stderr);
    assert.match(await ok(['exec', '-n', 'locked', 'hardened', '--', 'id', '-u']), /^1000\n$/);

    // kubectl debug: the legacy profile's ephemeral container is refused, the restricted profile's admitted
    const legacy = await k(['debug', '-n', 'locked', 'hardened', '--image=busybox', '--container=dbg', '--', 'true']);
    assert.equal(legacy.code, 1);
    assert.match(legacy.stderr, /Error from server \(Forbidden\): pods "hardened" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "dbg" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "dbg" must set securityContext.capabilities.drop=\["ALL"\]\)\n$/);
    const restrictedDebug = await k(['debug', '-n', 'locked', 'hardened', '--image=busybox', '--container=dbg2', '--profile=restricted', '--', 'true']);
    assert.equal(restrictedDebug.code, 0, restrictedDebug.stderr);

    const deploy = await k(['create', 'deployment', 'web', '-n', 'locked', '--image=nginx']);
    assert.deepEqual([deploy.code, deploy.stdout, deploy.stderr],
      [0, 'deployment.apps/web created\n', warnings(`would violate PodSecurity "restricted:latest": ${RESTRICTED_VIOLATIONS('nginx')}`)]);
    const event = await waitFor(async () => {
      const events = (await kubectlJson(c, ['get', 'events', '-n', 'locked'])).items as { reason: string; message: string }[];
      return events.find((e) => e.reason === 'FailedCreate');
    }, 'the ReplicaSet\'s FailedCreate event');
    assert.match(event.message, new RegExp(`^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_VIOLATIONS('nginx').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.equal((await ok(['get', 'pods', '-n', 'locked', '-l', 'app=web', '-o', 'name'])), '');
  });

  it('invalid pod-security labels are refused as Kubernetes refuses them', async () => {
    const bad = await k(['label', '--overwrite', 'ns', 'locked', `${PSA}/enforce=bogus`]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `The Namespace "locked" is invalid: metadata.labels[${PSA}/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted\n`);
    const created = await k(['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bad\n  labels:\n    ${PSA}/warn-version: v1.x\n`);
    assert.equal(created.code, 1);
    assert.equal(created.stderr, `The Namespace "bad" is invalid: metadata.labels[${PSA}/warn-version]: Invalid value: "v1.x": must be "latest" or "v1.x"\n`);
    assert.equal((await k(['get', 'ns', 'bad'])).code, 1);
  });
});
