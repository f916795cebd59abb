import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKubernetesProtobuf } from './encode.js';
import { decodeKubernetesProtobuf } from './decode.js';

test('protobuf: a pointer bool sent false stays false (allowPrivilegeEscalation, optional); a plain bool false is dropped as JSON omits it', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' },
    spec: {
      hostNetwork: false,
      containers: [{
        name: 'c', image: 'i', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, runAsUser: 1000 },
        env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: false } } }],
      }],
    },
  };
  const spec = decodeKubernetesProtobuf(encodeKubernetesProtobuf(pod)).object.spec as typeof pod.spec;
  assert.deepEqual(spec.containers[0].securityContext, { runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false });
  assert.equal(spec.containers[0].env[0].valueFrom.configMapKeyRef.optional, false);
  assert.equal('hostNetwork' in spec, false);
});
