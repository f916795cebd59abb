import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baselineChecks } from './checks-baseline.js';
import { implementationAt, type Check } from './check.js';
import type { CheckResult, Obj } from './helpers.js';

/** runCheck applies one check's implementation for v1.<minor> (the newest without one). */
function runCheck(checks: readonly Check[], id: string, spec: Obj, metadata: Obj = {}, minor = 99): CheckResult {
  const check = checks.find((c) => c.id === id);
  assert.ok(check, `no check ${id}`);
  const v = implementationAt(check, minor);
  assert.ok(v, `check ${id} has no implementation at v1.${minor}`);
  return v.check({ metadata, spec });
}

const c = (name: string, extra: Obj = {}): Obj => ({ name, image: 'busybox', ...extra });
const sc = (securityContext: Obj): Obj => ({ securityContext });

interface Case { id: string; name: string; spec: Obj; metadata?: Obj; minor?: number; reason?: string; detail?: string }

// One allowed and at least one forbidden case per check; forbidden ones carry Kubernetes' exact words.
const cases: Case[] = [
  { id: 'windowsHostProcess', name: 'hostProcess=false is allowed', spec: { containers: [c('a', sc({ windowsOptions: { hostProcess: false } }))] } },
  {
    id: 'windowsHostProcess', name: 'pod and containers set hostProcess',
    spec: { securityContext: { windowsOptions: { hostProcess: true } }, containers: [c('a', sc({ windowsOptions: { hostProcess: true } })), c('b', sc({ windowsOptions: { hostProcess: true } }))] },
    reason: 'hostProcess', detail: 'pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true',
  },
  { id: 'hostNamespaces', name: 'false host namespaces are allowed', spec: { hostNetwork: false, hostPID: false, containers: [c('a')] } },
  {
    id: 'hostNamespaces', name: 'every host namespace', spec: { hostIPC: true, hostPID: true, hostNetwork: true, containers: [c('a')] },
    reason: 'host namespaces', detail: 'hostNetwork=true, hostPID=true, hostIPC=true',
  },
  { id: 'privileged', name: 'privileged=false is allowed', spec: { containers: [c('a', sc({ privileged: false }))] } },
  {
    id: 'privileged', name: 'an init container and a container',
    spec: { initContainers: [c('init', sc({ privileged: true }))], containers: [c('a', sc({ privileged: true })), c('b')] },
    reason: 'privileged', detail: 'containers "init", "a" must not set securityContext.privileged=true',
  },
  { id: 'capabilities_baseline', name: 'the default set may be added', spec: { containers: [c('a', sc({ capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN', 'KILL'] } }))] } },
  {
    id: 'capabilities_baseline', name: 'non-default capabilities, sorted and unique',
    spec: { containers: [c('a', sc({ capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } })), c('b', sc({ capabilities: { add: ['CHOWN', 'NET_RAW'] } }))] },
    reason: 'non-default capabilities', detail: 'containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
  },
  { id: 'hostPathVolumes', name: 'an emptyDir is allowed', spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [c('a')] } },
  {
    id: 'hostPathVolumes', name: 'hostPath volumes', spec: { volumes: [{ name: 'h1', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }, { name: 'h2', hostPath: { path: '/x' } }], containers: [c('a')] },
    reason: 'hostPath volumes', detail: 'volumes "h1", "h2"',
  },
  { id: 'hostPorts', name: 'container ports alone are allowed', spec: { containers: [c('a', { ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 0 }] })] } },
  {
    id: 'hostPorts', name: 'one container, one host port', spec: { containers: [c('a'), c('b', { ports: [{ containerPort: 80, hostPort: 20 }] })] },
    reason: 'hostPort', detail: 'container "b" uses hostPort 20',
  },
  {
    id: 'hostPorts', name: 'host ports sort as strings', spec: { containers: [c('b', { ports: [{ containerPort: 1, hostPort: 8080 }] }), c('c', { ports: [{ containerPort: 2, hostPort: 10000 }] })] },
    reason: 'hostPort', detail: 'containers "b", "c" use hostPorts 10000, 8080',
  },
  {
    id: 'appArmorProfile', name: 'runtime default and localhost profiles are allowed',
    spec: { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: [c('a', sc({ appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } }))] },
    metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'localhost/p', 'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default' } },
  },
  {
    id: 'appArmorProfile', name: 'unconfined container', spec: { containers: [c('foo', sc({ appArmorProfile: { type: 'Unconfined' } }))] },
    reason: 'forbidden AppArmor profile', detail: 'container "foo" must not set AppArmor profile type to "Unconfined"',
  },
  {
    id: 'appArmorProfile', name: 'pod and annotations', spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [c('a'), c('b')] },
    metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/b': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/a': 'bogus' } },
    reason: 'forbidden AppArmor profiles',
    detail: 'pod and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bogus"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""',
  },
  { id: 'seLinuxOptions', name: 'container types are allowed', spec: { securityContext: { seLinuxOptions: { type: 'container_t', level: 's0:c1' } }, containers: [c('a', sc({ seLinuxOptions: { type: 'container_engine_t' } }))] } },
  {
    id: 'seLinuxOptions', name: 'container_engine_t only from v1.31', minor: 30, spec: { containers: [c('a', sc({ seLinuxOptions: { type: 'container_engine_t' } }))] },
    reason: 'seLinuxOptions', detail: 'container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t"',
  },
  {
    id: 'seLinuxOptions', name: 'invalid pod and containers',
    spec: {
      securityContext: { seLinuxOptions: { type: 'foo', user: 'u', role: 'r' } },
      containers: [c('e', sc({ seLinuxOptions: { type: 'bar' } })), c('f', sc({ seLinuxOptions: { user: 'u' } })), c('g', sc({ seLinuxOptions: { role: 'r' } }))],
    },
    reason: 'seLinuxOptions', detail: 'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
  },
  { id: 'procMount', name: 'Default is allowed', spec: { containers: [c('a', sc({ procMount: 'Default' }))] } },
  {
    id: 'procMount', name: 'Unmasked', spec: { containers: [c('a', sc({ procMount: 'Unmasked' })), c('b', sc({ procMount: 'Unmasked' }))] },
    reason: 'procMount', detail: 'containers "a", "b" must not set securityContext.procMount to "Unmasked"',
  },
  { id: 'seccompProfile_baseline', name: 'RuntimeDefault and Localhost are allowed', spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c('a', sc({ seccompProfile: { type: 'Localhost', localhostProfile: 'x' } }))] } },
  { id: 'seccompProfile_baseline', name: 'no profile is allowed', spec: { containers: [c('a')] } },
  {
    id: 'seccompProfile_baseline', name: 'Unconfined pod and container',
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a', sc({ seccompProfile: { type: 'Unconfined' } }))] },
    reason: 'seccompProfile', detail: 'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"',
  },
  {
    id: 'seccompProfile_baseline', name: 'before v1.19 the alpha annotations are checked', minor: 18, spec: { containers: [c('a'), c('b')] },
    metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined', 'container.seccomp.security.alpha.kubernetes.io/a': 'docker/default', 'container.seccomp.security.alpha.kubernetes.io/b': '' } },
    reason: 'seccompProfile', detail: 'forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
  },
  { id: 'sysctls', name: 'safe sysctls are allowed', spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }, { name: 'kernel.shm_rmid_forced', value: '1' }] }, containers: [c('a')] } },
  {
    id: 'sysctls', name: 'unsafe sysctls in the order given', spec: { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.ip_local_port_range', value: '1 2' }, { name: 'a.b', value: '1' }] }, containers: [c('a')] },
    reason: 'forbidden sysctls', detail: 'kernel.msgmax, a.b',
  },
  {
    id: 'sysctls', name: 'tcp_rmem is safe only from v1.32', minor: 31, spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }, { name: 'net.ipv4.tcp_fin_timeout', value: '1' }] }, containers: [c('a')] },
    reason: 'forbidden sysctls', detail: 'net.ipv4.tcp_rmem',
  },
];

describe('baseline checks', () => {
  for (const tc of cases) {
    it(`${tc.id}: ${tc.name}`, () => {
      const r = runCheck(baselineChecks, tc.id, tc.spec, tc.metadata, tc.minor);
      if (!tc.reason) return assert.deepEqual(r, { allowed: true });
      assert.deepEqual(r, { allowed: false, reason: tc.reason, detail: tc.detail });
    });
  }

  it('every baseline check has an allowed and a forbidden case', () => {
    for (const check of baselineChecks) {
      assert.ok(cases.some((tc) => tc.id === check.id && !tc.reason), `${check.id}: no allowed case`);
      assert.ok(cases.some((tc) => tc.id === check.id && tc.reason), `${check.id}: no forbidden case`);
    }
  });

  it('fields of the wrong shape read as absent, never throw', () => {
    const odd = { securityContext: 'x', containers: [{ name: 'a', securityContext: { capabilities: 'x', seLinuxOptions: [] } }, 'junk'], volumes: 'x', initContainers: null };
    for (const check of baselineChecks) for (const v of check.versions) assert.doesNotThrow(() => v.check({ metadata: { annotations: 'x' }, spec: odd }));
  });
});
