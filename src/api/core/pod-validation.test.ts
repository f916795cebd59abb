import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePodSpec } from './pod-validation.js';

test('sysctl names: Kubernetes\' regex and message; valid names (kernel.shmmax, safe-and-unsafe, net/ipv4/ip_forward) pass', () => {
  const spec = {
    restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox' }],
    securityContext: { sysctls: [{ name: 'foo-', value: 'bar' }, { name: 'kernel.shmmax', value: '1' }, { name: 'safe-and-unsafe', value: '1' }, { name: 'bar..', value: '42' }, { name: 'net/ipv4/ip_forward', value: '1' }, { name: 'kernel.shmmax', value: '2' }] },
  };
  const errs = validatePodSpec(spec, 'spec').map((e) => `${e.field}: ${e.type} ${JSON.stringify(e.value)}`);
  assert.deepEqual(errs, [
    'spec.securityContext.sysctls[0].name: FieldValueInvalid "foo-"',
    'spec.securityContext.sysctls[3].name: FieldValueInvalid "bar.."',
    'spec.securityContext.sysctls[5].name: FieldValueDuplicate "kernel.shmmax"',
  ]);
  const msg = validatePodSpec(spec, 'spec')[0];
  assert.match(String(msg.detail), /^must have at most 253 characters and match regex \^\(\[a-z0-9\]/);
});
