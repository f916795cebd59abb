import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../../api/resource.js';
import { notFound, StatusError } from '../../../apimachinery/errors.js';
import type { RegistryStore } from '../../../registry/store.js';
import type { Clock } from '../../../util/clock.js';
import type { AdmissionAttributes, Operation } from '../../interfaces.js';
import { DEFAULT_CONFIGURATION, isSignificantPodUpdate, PodSecurityPlugin, type PodSecurityConfiguration } from './admission.js';

const L = 'pod-security.kubernetes.io/';
const def = (group: string, plural: string) => ({ group, plural, version: 'v1', namespaced: plural !== 'namespaces' }) as ResourceDefinition;
const PODS = def('', 'pods');
const NAMESPACES = def('', 'namespaces');

/** plugin over namespaces with these labels and these pods. */
function plugin(namespaces: Record<string, Record<string, string>>, pods: KubeObject[] = [], opts: { config?: PodSecurityConfiguration; limits?: { maxPods: number; timeoutMs: number }; clock?: Clock } = {}) {
  const nsStore = {
    get: async (_: unknown, name: string) => {
      if (!(name in namespaces)) throw notFound({ group: '', resource: 'namespaces' }, name);
      return { metadata: { name, labels: namespaces[name] } };
    },
  };
  const podStore = { list: async (ns: string) => ({ items: pods.filter((p) => p.metadata?.namespace === ns), metadata: {} }) };
  const storeFor = (_g: string, _v: string, plural: string) => (plural === 'namespaces' ? nsStore : podStore) as unknown as RegistryStore;
  return new PodSecurityPlugin({ storeFor, clock: opts.clock }, opts.config, opts.limits);
}

function attrs(d: ResourceDefinition, operation: Operation, object: KubeObject, more: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation, def: d, subresource: '', namespace: d.namespaced ? 'ns' : '', name: object.metadata?.name ?? '', object,
    userInfo: { name: 'alice', groups: [] }, dryRun: false, warnings: [], ...more,
  };
}

const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'nginx', ...extra });
const nginx = (name = 'nginx', spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ metadata: { name, namespace: 'ns', ...metadata }, spec: { containers: [container('nginx')], ...spec } });
const RESTRICTED_NGINX = 'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

/** refusal runs validate and returns the StatusError it throws. */
async function refusal(p: PodSecurityPlugin, a: AdmissionAttributes): Promise<StatusError> {
  try {
    await p.validate(a);
  } catch (e) {
    assert.ok(e instanceof StatusError);
    return e;
  }
  assert.fail('request was admitted');
}

describe('PodSecurity: pods', () => {
  const tutorial = { [`${L}enforce`]: 'baseline', [`${L}warn`]: 'restricted', [`${L}audit`]: 'restricted' };

  it('enforce refuses with 403 and Kubernetes message', async () => {
    const e = await refusal(plugin({ ns: tutorial }), attrs(PODS, 'CREATE', nginx('web', { hostNetwork: true })));
    assert.equal(e.code, 403);
    assert.equal(e.message, 'pods "web" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
  });

  it('a refused pod gets no warning; an admitted one the warn level\'s', async () => {
    const refused = attrs(PODS, 'CREATE', nginx('web', { hostPID: true }));
    await refusal(plugin({ ns: tutorial }), refused);
    assert.deepEqual(refused.warnings, []);
    const a = attrs(PODS, 'CREATE', nginx());
    await plugin({ ns: tutorial }).validate(a);
    assert.deepEqual(a.warnings, [`would violate PodSecurity "restricted:latest": ${RESTRICTED_NGINX}`]);
  });

  it('a privileged namespace, or one without labels, admits anything silently', async () => {
    for (const labels of [{}, { [`${L}enforce`]: 'privileged' }] as Record<string, string>[]) {
      const a = attrs(PODS, 'CREATE', nginx('x', { hostPID: true, containers: [container('c', { securityContext: { privileged: true } })] }));
      await plugin({ ns: labels }).validate(a);
      assert.deepEqual(a.warnings, []);
    }
  });

  it('a pinned version is named as pinned', async () => {
    const e = await refusal(plugin({ ns: { [`${L}enforce`]: 'restricted', [`${L}enforce-version`]: 'v1.24' } }), attrs(PODS, 'CREATE', nginx()));
    assert.equal(e.message, `pods "nginx" is forbidden: violates PodSecurity "restricted:v1.24": ${RESTRICTED_NGINX}`);
  });

  it('an invalid enforce label on an existing namespace fails closed (restricted)', async () => {
    const e = await refusal(plugin({ ns: { [`${L}enforce`]: 'bogus' } }), attrs(PODS, 'CREATE', nginx()));
    assert.match(e.message, /violates PodSecurity "restricted:latest"/);
  });

  it('updates: only a changed image or a new container is evaluated; status is never', async () => {
    const p = plugin({ ns: { [`${L}enforce`]: 'restricted' } });
    const old = nginx();
    const relabelled = nginx('nginx', {}, { labels: { a: 'b' } });
    await p.validate(attrs(PODS, 'UPDATE', relabelled, { oldObject: old }));
    await p.validate(attrs(PODS, 'UPDATE', nginx(), { oldObject: old, subresource: 'status' }));
    const newImage = nginx('nginx', { containers: [{ ...container('nginx'), image: 'nginx:2' }] });
    assert.equal((await refusal(p, attrs(PODS, 'UPDATE', newImage, { oldObject: old }))).code, 403);
    const debug = nginx('nginx', { ephemeralContainers: [{ name: 'debugger', image: 'busybox' }] });
    const e = await refusal(p, attrs(PODS, 'UPDATE', debug, { oldObject: old, subresource: 'ephemeralcontainers' }));
    assert.match(e.message, /containers "nginx", "debugger" must set securityContext\.allowPrivilegeEscalation=false/);
  });

  it('a namespace that is not there has no labels; a failing namespace read is a 500', async () => {
    await plugin({}).validate(attrs(PODS, 'CREATE', nginx('x', { hostPID: true }), { namespace: 'gone' }));
    const broken = new PodSecurityPlugin({ storeFor: () => ({ get: async () => { throw new Error('disk on fire'); } }) as unknown as RegistryStore });
    const e = await refusal(broken, attrs(PODS, 'CREATE', nginx()));
    assert.deepEqual([e.code, e.message], [500, 'Internal error occurred: failed to lookup namespace "ns"']);
  });

  it('isSignificantPodUpdate', () => {
    const base = nginx('p', { initContainers: [container('i')], ephemeralContainers: [{ name: 'e', image: 'busybox' }] });
    const changed = (spec: Record<string, unknown>) => isSignificantPodUpdate(nginx('p', { initContainers: [container('i')], ephemeralContainers: [{ name: 'e', image: 'busybox' }], ...spec }), base);
    assert.equal(changed({}), false);
    assert.equal(changed({ activeDeadlineSeconds: 5, tolerations: [{ operator: 'Exists' }] }), false);
    assert.equal(changed({ initContainers: [{ ...container('i'), image: 'other' }] }), true);
    assert.equal(changed({ containers: [container('nginx'), container('two')] }), true);
    assert.equal(changed({ ephemeralContainers: [{ name: 'e', image: 'busybox' }, { name: 'f', image: 'busybox' }] }), true);
  });
});

describe('PodSecurity: workload resources', () => {
  const deployment: KubeObject = { metadata: { name: 'web', namespace: 'ns' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container('nginx')] } } } };
  const cronJob: KubeObject = { metadata: { name: 'cj', namespace: 'ns' }, spec: { jobTemplate: { spec: { template: { spec: { hostIPC: true, containers: [container('nginx')] } } } } } };

  it('are warned about at the enforce level (warn follows enforce), never refused', async () => {
    const a = attrs(def('apps', 'deployments'), 'CREATE', deployment);
    await plugin({ ns: { [`${L}enforce`]: 'restricted' } }).validate(a);
    assert.deepEqual(a.warnings, [`would violate PodSecurity "restricted:latest": ${RESTRICTED_NGINX}`]);
  });

  it('a CronJob\'s job template is read', async () => {
    const a = attrs(def('batch', 'cronjobs'), 'CREATE', cronJob);
    await plugin({ ns: { [`${L}warn`]: 'baseline' } }).validate(a);
    assert.deepEqual(a.warnings, ['would violate PodSecurity "baseline:latest": host namespaces (hostIPC=true)']);
  });

  it('subresources, other kinds and enforce-only-privileged namespaces are left alone', async () => {
    const p = plugin({ ns: { [`${L}warn`]: 'restricted' } });
    const scale = attrs(def('apps', 'deployments'), 'UPDATE', deployment, { subresource: 'status', oldObject: deployment });
    await p.validate(scale);
    const cm = attrs(def('', 'configmaps'), 'CREATE', { metadata: { name: 'c' }, spec: deployment.spec });
    await p.validate(cm);
    const quiet = attrs(def('apps', 'deployments'), 'CREATE', deployment);
    await plugin({ ns: { [`${L}enforce`]: 'privileged' } }).validate(quiet);
    assert.deepEqual([...scale.warnings!, ...cm.warnings!, ...quiet.warnings!], []);
  });

  it('a ReplicationController without a template is skipped', async () => {
    const a = attrs(def('', 'replicationcontrollers'), 'CREATE', { metadata: { name: 'rc' }, spec: {} });
    await plugin({ ns: { [`${L}warn`]: 'restricted' } }).validate(a);
    assert.deepEqual(a.warnings, []);
  });
});

describe('PodSecurity: namespaces', () => {
  const ns = (labels: Record<string, string>): KubeObject => ({ metadata: { name: 'team', labels } });
  const owned = (name: string, uid: string, spec: Record<string, unknown> = {}) =>
    ({ ...nginx(name, spec), metadata: { name, namespace: 'team', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }] } });
  const bare = (name: string, spec: Record<string, unknown> = {}) => ({ ...nginx(name, spec), metadata: { name, namespace: 'team' } });

  it('invalid labels are refused with 422 on create', async () => {
    const e = await refusal(plugin({}), attrs(NAMESPACES, 'CREATE', ns({ [`${L}enforce`]: 'bogus', [`${L}warn-version`]: 'v2' })));
    assert.equal(e.code, 422);
    assert.equal(e.message, 'Namespace "team" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted, ' +
      'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2": must be "latest" or "v1.x"]');
  });

  it('an update may keep labels that were already invalid, not add new mistakes', async () => {
    const bad = ns({ [`${L}audit`]: 'x' });
    await plugin({}).validate(attrs(NAMESPACES, 'UPDATE', ns({ [`${L}audit`]: 'x', other: 'y' }), { oldObject: bad }));
    const e = await refusal(plugin({}), attrs(NAMESPACES, 'UPDATE', ns({ [`${L}audit`]: 'z' }), { oldObject: bad }));
    assert.equal(e.code, 422);
  });

  it('a stricter enforce level warns about existing pods, grouped by reasons', async () => {
    const pods = [
      owned('web-b', 'rs1'), owned('web-a', 'rs1'), bare('solo', { hostNetwork: true }), bare('fine', {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [container('nginx', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })],
      }), owned('other', 'rs2'),
    ];
    const a = attrs(NAMESPACES, 'UPDATE', ns({ [`${L}enforce`]: 'restricted' }), { oldObject: ns({}), dryRun: true });
    await plugin({}, pods).validate(a);
    assert.deepEqual(a.warnings, [
      'existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:latest"',
      'other (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      'solo: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ]);
  });

  it('no warnings when enforce is unchanged, privileged, or relaxed at the same version', async () => {
    const pods = [bare('solo', { hostNetwork: true })];
    const steps: [Record<string, string>, Record<string, string>][] = [
      [{ [`${L}enforce`]: 'baseline' }, { [`${L}enforce`]: 'baseline', [`${L}warn`]: 'restricted' }],
      [{ [`${L}enforce`]: 'baseline' }, { [`${L}enforce`]: 'privileged' }],
      [{ [`${L}enforce`]: 'restricted' }, { [`${L}enforce`]: 'baseline' }],
    ];
    for (const [before, after] of steps) {
      const a = attrs(NAMESPACES, 'UPDATE', ns(after), { oldObject: ns(before) });
      await plugin({}, pods).validate(a);
      assert.deepEqual(a.warnings, [], JSON.stringify(after));
    }
    // relaxed, but to another version: dry-run again
    const a = attrs(NAMESPACES, 'UPDATE', ns({ [`${L}enforce`]: 'baseline', [`${L}enforce-version`]: 'v1.30' }), { oldObject: ns({ [`${L}enforce`]: 'restricted' }) });
    await plugin({}, pods).validate(a);
    assert.equal(a.warnings!.length, 2);
  });

  it('checks at most maxPods pods, and stops at the timeout', async () => {
    const pods = [bare('a', { hostPID: true }), bare('b', { hostPID: true }), bare('c', { hostPID: true })];
    const a = attrs(NAMESPACES, 'UPDATE', ns({ [`${L}enforce`]: 'baseline' }), { oldObject: ns({}) });
    await plugin({}, pods, { limits: { maxPods: 2, timeoutMs: 1000 } }).validate(a);
    assert.deepEqual(a.warnings, [
      'new PodSecurity enforce level only checked against the first 2 of 3 existing pods',
      'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
      'a (and 1 other pod): host namespaces',
    ]);
    // a clock that moves 600 ms each time it is read: the second pod is past the 1 s deadline
    let t = 0;
    const clock = { now: () => new Date((t += 600)) } as unknown as Clock;
    const b = attrs(NAMESPACES, 'UPDATE', ns({ [`${L}enforce`]: 'baseline' }), { oldObject: ns({}) });
    await plugin({}, pods, { clock }).validate(b);
    assert.equal(b.warnings![0], 'new PodSecurity enforce level only checked against the first 2 of 3 existing pods');
  });
});

describe('PodSecurity: exemptions (an AdmissionConfiguration\'s)', () => {
  const config: PodSecurityConfiguration = { ...DEFAULT_CONFIGURATION, exemptions: { usernames: ['ci'], namespaces: ['ns'], runtimeClasses: ['kata'] } };

  it('exempt namespaces, users and runtime classes are not checked', async () => {
    const enforcing = { ns: { [`${L}enforce`]: 'restricted' }, other: { [`${L}enforce`]: 'restricted' } };
    await plugin(enforcing, [], { config }).validate(attrs(PODS, 'CREATE', nginx()));
    await plugin(enforcing, [], { config }).validate(attrs(PODS, 'CREATE', nginx(), { namespace: 'other', userInfo: { name: 'ci', groups: [] } }));
    await plugin(enforcing, [], { config }).validate(attrs(PODS, 'CREATE', nginx('n', { runtimeClassName: 'kata' }), { namespace: 'other' }));
    assert.equal((await refusal(plugin(enforcing, [], { config }), attrs(PODS, 'CREATE', nginx(), { namespace: 'other' }))).code, 403);
  });

  it('an exempt namespace asking for a policy is told it is ignored', async () => {
    const a = attrs(NAMESPACES, 'CREATE', { metadata: { name: 'ns', labels: { [`${L}enforce`]: 'baseline', [`${L}audit`]: 'privileged' } } });
    await plugin({}, [], { config }).validate(a);
    assert.deepEqual(a.warnings, ['namespace "ns" is exempt from Pod Security, and the policy (enforce=baseline:latest) will be ignored']);
  });
});
