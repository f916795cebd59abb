import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, Evaluator, forbiddenDetail, forbiddenReason } from './evaluator.js';
import { LATEST, minorVersion, type Level, type Version } from './api.js';
import type { Obj } from './helpers.js';

const evaluator = new Evaluator();
const lv = (level: Level, version: Version = LATEST) => ({ level, version });
const pod = (spec: Obj, metadata: Obj = {}) => ({ metadata, spec });

// The kubernetes.io tutorials' nginx pod: fine for baseline, four restricted violations.
const NGINX = pod({ containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] });

describe('Evaluator', () => {
  it('privileged runs nothing', () => {
    assert.equal(evaluator.checksFor(lv('privileged')).length, 0);
    assert.deepEqual(evaluator.evaluate(lv('privileged'), pod({ hostPID: true, containers: [] })), { allowed: true, reasons: [], details: [] });
  });

  it('restricted:latest on the tutorial pod reads as Kubernetes words it', () => {
    const r = evaluator.evaluate(lv('restricted'), NGINX);
    assert.equal(forbiddenDetail(r),
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    assert.equal(forbiddenReason(r), 'allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile');
    assert.equal(evaluator.evaluate(lv('baseline'), NGINX).allowed, true);
  });

  it('restricted lists baseline violations first, each level in check-ID order', () => {
    const p = pod({ hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'c', securityContext: { privileged: true, runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }] });
    assert.deepEqual(evaluator.evaluate(lv('restricted'), p).reasons, ['host namespaces', 'privileged', 'restricted volume types', 'runAsUser=0']);
    assert.deepEqual(evaluator.evaluate(lv('baseline'), p).reasons, ['host namespaces', 'hostPath volumes', 'privileged']);
  });

  it('restricted checks replace the baseline ones they override, from their version on', () => {
    const p = pod({ containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] });
    // v1.21: capabilities_restricted does not exist yet, the baseline capability check applies.
    assert.ok(evaluator.evaluate(lv('restricted', minorVersion(21)), p).reasons.includes('non-default capabilities'));
    const latest = evaluator.evaluate(lv('restricted'), p).reasons;
    assert.ok(latest.includes('unrestricted capabilities') && !latest.includes('non-default capabilities'));
  });

  it('a version before a check leaves it out; a future version is latest', () => {
    const rootPod = pod({ securityContext: { runAsUser: 0, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] });
    assert.equal(evaluator.evaluate(lv('restricted', minorVersion(22)), rootPod).allowed, true);
    assert.deepEqual(evaluator.evaluate(lv('restricted', minorVersion(23)), rootPod).reasons, ['runAsUser=0']);
    assert.equal(evaluator.maxMinor, 32);
    assert.deepEqual(evaluator.checksFor(lv('baseline', minorVersion(40))), evaluator.checksFor(lv('baseline')));
    assert.notDeepEqual(evaluator.checksFor(lv('baseline', minorVersion(31))), evaluator.checksFor(lv('baseline')));
  });

  it('aggregate: a reason-less failure is an unknown reason; details in parentheses only when present', () => {
    const r = aggregate([{ allowed: true }, { allowed: false }, { allowed: false, reason: 'x', detail: 'why' }]);
    assert.deepEqual(r, { allowed: false, reasons: ['unknown forbidden reason', 'x'], details: ['', 'why'] });
    assert.equal(forbiddenDetail(r), 'unknown forbidden reason, x (why)');
  });
});
