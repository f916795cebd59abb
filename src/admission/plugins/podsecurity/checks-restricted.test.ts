import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { restrictedChecks } from './checks-restricted.js';
import { implementationAt } from './check.js';
import type { CheckResult, Obj } from './helpers.js';

/** runCheck applies one restricted check's implementation for v1.<minor> (the newest without one). */
function runCheck(id: string, spec: Obj, minor = 99): CheckResult {
  const check = restrictedChecks.find((c) => c.id === id);
  assert.ok(check, `no check ${id}`);
  const v = implementationAt(check, minor);
  assert.ok(v, `check ${id} has no implementation at v1.${minor}`);
  return v.check({ metadata: {}, spec });
}

const c = (name: string, extra: Obj = {}): Obj => ({ name, image: 'busybox', ...extra });
const sc = (securityContext: Obj): Obj => ({ securityContext });
const WINDOWS = { os: { name: 'windows' } };

interface Case { id: string; name: string; spec: Obj; minor?: number; reason?: string; detail?: string }

// One allowed and at least one forbidden case per check; forbidden ones carry Kubernetes' exact words.
const cases: Case[] = [
  { id: 'allowPrivilegeEscalation', name: 'false is allowed', spec: { containers: [c('a', sc({ allowPrivilegeEscalation: false }))] } },
  {
    id: 'allowPrivilegeEscalation', name: 'unset and true', spec: { initContainers: [c('i')], containers: [c('a', sc({ allowPrivilegeEscalation: true })), c('b', sc({ allowPrivilegeEscalation: false }))] },
    reason: 'allowPrivilegeEscalation != false', detail: 'containers "i", "a" must set securityContext.allowPrivilegeEscalation=false',
  },
  { id: 'allowPrivilegeEscalation', name: 'windows pods pass from v1.25', spec: { ...WINDOWS, containers: [c('a')] } },
  {
    id: 'allowPrivilegeEscalation', name: 'windows pods are checked before v1.25', minor: 24, spec: { ...WINDOWS, containers: [c('a')] },
    reason: 'allowPrivilegeEscalation != false', detail: 'container "a" must set securityContext.allowPrivilegeEscalation=false',
  },
  { id: 'capabilities_restricted', name: 'drop ALL, add NET_BIND_SERVICE', spec: { containers: [c('a', sc({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }))] } },
  {
    id: 'capabilities_restricted', name: 'missing drop and forbidden adds',
    spec: { containers: [c('a'), c('b', sc({ capabilities: { drop: ['NET_RAW'], add: ['SYS_TIME', 'CHOWN'] } })), c('d', sc({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }))] },
    reason: 'unrestricted capabilities',
    detail: 'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "b", "d" must not include "CHOWN", "SYS_TIME" in securityContext.capabilities.add',
  },
  { id: 'restrictedVolumes', name: 'API-backed and ephemeral volumes are allowed', spec: { volumes: ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'].map((k) => ({ name: k, [k]: {} })), containers: [c('a')] } },
  {
    id: 'restrictedVolumes', name: 'host path and network volumes',
    spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'n', nfs: { server: 's', path: '/' } }, { name: 's', secret: { secretName: 'x' } }, { name: 'h2', hostPath: { path: '/x' } }], containers: [c('a')] },
    reason: 'restricted volume types', detail: 'volumes "h", "n", "h2" use restricted volume types "hostPath", "nfs"',
  },
  {
    id: 'restrictedVolumes', name: 'a source Kubernetes does not know', spec: { volumes: [{ name: 'img', image: { reference: 'x' } }], containers: [c('a')] },
    reason: 'restricted volume types', detail: 'volume "img" uses restricted volume type "unknown"',
  },
  { id: 'runAsNonRoot', name: 'set on the pod', spec: { securityContext: { runAsNonRoot: true }, containers: [c('a'), c('b', sc({ runAsNonRoot: true }))] } },
  { id: 'runAsNonRoot', name: 'set on every container', spec: { containers: [c('a', sc({ runAsNonRoot: true }))] } },
  {
    id: 'runAsNonRoot', name: 'explicitly false wins over unset', spec: { securityContext: { runAsNonRoot: false }, containers: [c('a', sc({ runAsNonRoot: false })), c('b')] },
    reason: 'runAsNonRoot != true', detail: 'pod and container "a" must not set securityContext.runAsNonRoot=false',
  },
  {
    id: 'runAsNonRoot', name: 'unset', spec: { containers: [c('a'), c('b', sc({ runAsNonRoot: true })), c('c')] },
    reason: 'runAsNonRoot != true', detail: 'pod or containers "a", "c" must set securityContext.runAsNonRoot=true',
  },
  { id: 'runAsUser', name: 'non-zero users are allowed', spec: { securityContext: { runAsUser: 1000 }, containers: [c('a', sc({ runAsUser: 1 }))] } },
  {
    id: 'runAsUser', name: 'root', spec: { securityContext: { runAsUser: 0 }, containers: [c('a', sc({ runAsUser: 0 })), c('b', sc({ runAsUser: 0 }))] },
    reason: 'runAsUser=0', detail: 'pod and containers "a", "b" must not set runAsUser=0',
  },
  { id: 'seccompProfile_restricted', name: 'pod-level RuntimeDefault covers the containers', spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c('a')] } },
  {
    id: 'seccompProfile_restricted', name: 'explicitly bad', spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a', sc({ seccompProfile: { type: 'Unconfined' } })), c('b')] },
    reason: 'seccompProfile', detail: 'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"',
  },
  {
    id: 'seccompProfile_restricted', name: 'unset', spec: { containers: [c('a'), c('b', sc({ seccompProfile: { type: 'Localhost', localhostProfile: 'p' } }))] },
    reason: 'seccompProfile', detail: 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
  },
];

describe('restricted checks', () => {
  for (const tc of cases) {
    it(`${tc.id}: ${tc.name}`, () => {
      const r = runCheck(tc.id, tc.spec, tc.minor);
      if (!tc.reason) return assert.deepEqual(r, { allowed: true });
      assert.deepEqual(r, { allowed: false, reason: tc.reason, detail: tc.detail });
    });
  }

  it('every restricted check has an allowed and a forbidden case', () => {
    for (const check of restrictedChecks) {
      assert.ok(cases.some((tc) => tc.id === check.id && !tc.reason), `${check.id}: no allowed case`);
      assert.ok(cases.some((tc) => tc.id === check.id && tc.reason), `${check.id}: no forbidden case`);
    }
  });

  it('fields of the wrong shape read as absent, never throw', () => {
    const odd = { securityContext: [], containers: [{ name: 'a', securityContext: { capabilities: { drop: 'ALL', add: 7 } } }], volumes: [{ name: 'v' }, 3] };
    for (const check of restrictedChecks) for (const v of check.versions) assert.doesNotThrow(() => v.check({ metadata: {}, spec: odd }));
  });
});
