import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { capabilitySet, containerSecurity, DEFAULT_CAPABILITIES } from './security-context.js';
import { ContainerConfigError } from './container-env.js';

const pod = (sc: NonNullable<Pod['spec']>['securityContext'] = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [], securityContext: sc },
});
const c = (sc: Container['securityContext'] = {}): Container => ({ name: 'c', securityContext: sc });

test('root by default: no user, no flags, the runtime\'s default capabilities; privileged keeps all', () => {
  assert.deepEqual(containerSecurity(pod(), c(), {}), { capabilities: DEFAULT_CAPABILITIES });
  assert.deepEqual(containerSecurity(pod(), c({ privileged: true }), {}), {});
  assert.deepEqual(containerSecurity(pod(), c({ privileged: false }), {}).capabilities, DEFAULT_CAPABILITIES);
});

test('capabilities add and drop adjust the default set', () => {
  assert.deepEqual(capabilitySet({ drop: ['ALL'], add: ['NET_ADMIN'] }), ['net_admin']);
  assert.ok(!capabilitySet({ drop: ['CAP_CHOWN'] }).includes('chown'));
  assert.ok(capabilitySet({ add: ['SYS_ADMIN'] }).includes('sys_admin'));
  assert.deepEqual(capabilitySet({ add: ['ALL'] }), ['all']);
});

test('the image USER applies unless a securityContext says otherwise; the container wins over the pod', () => {
  assert.deepEqual(containerSecurity(pod(), c(), { user: { uid: 1234 } }).user, { uid: 1234, gid: 0 });
  assert.deepEqual(containerSecurity(pod({ runAsUser: 1000 }), c(), { user: { uid: 1234 } }).user, { uid: 1000, gid: 0 });
  assert.deepEqual(containerSecurity(pod({ runAsUser: 1000, runAsGroup: 3000 }), c({ runAsUser: 65534 }), {}).user, { uid: 65534, gid: 3000 });
});

test('fsGroup and supplementalGroups become supplementary groups', () => {
  assert.deepEqual(containerSecurity(pod({ runAsUser: 1000, fsGroup: 1001, supplementalGroups: [5, 6] }), c(), {}).user,
    { uid: 1000, gid: 0, supplementalGroups: [1001, 5, 6] });
});

test('readOnlyRootFilesystem and allowPrivilegeEscalation: false', () => {
  assert.deepEqual(containerSecurity(pod(), c({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }), {}),
    { readOnlyRootfs: true, noNewPrivs: true, capabilities: DEFAULT_CAPABILITIES });
  assert.deepEqual(containerSecurity(pod(), c({ readOnlyRootFilesystem: false, allowPrivilegeEscalation: true }), {}), { capabilities: DEFAULT_CAPABILITIES });
});

test('runAsNonRoot refuses a container that would run as root', () => {
  assert.throws(() => containerSecurity(pod({ runAsNonRoot: true }), c(), {}), (e: unknown) =>
    e instanceof ContainerConfigError && /runAsNonRoot and image will run as root/.test(e.message));
  assert.throws(() => containerSecurity(pod(), c({ runAsNonRoot: true, runAsUser: 0 }), {}), /breaks non-root policy/);
  assert.deepEqual(containerSecurity(pod({ runAsNonRoot: true }), c(), { user: { uid: 1234 } }).user, { uid: 1234, gid: 0 });
});
