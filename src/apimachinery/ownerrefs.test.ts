import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerOf, isControlledBy, newControllerRef } from './ownerrefs.js';

const rs = { metadata: { name: 'web-abc', uid: 'u-rs' } };
const other = { metadata: { name: 'x', uid: 'u-x' } };

test('newControllerRef points at the owner', () => {
  assert.deepEqual(newControllerRef(rs, { group: 'apps', version: 'v1', kind: 'ReplicaSet' }), {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u-rs', controller: true, blockOwnerDeletion: true,
  });
  assert.equal(newControllerRef(rs, { group: '', version: 'v1', kind: 'ReplicationController' }).apiVersion, 'v1');
});

test('controllerOf and isControlledBy', () => {
  const pod = {
    metadata: {
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Thing', name: 'x', uid: 'u-x' },
        newControllerRef(rs, { group: 'apps', version: 'v1', kind: 'ReplicaSet' }),
      ],
    },
  };
  assert.equal(controllerOf(pod)?.uid, 'u-rs');
  assert.equal(isControlledBy(pod, rs), true);
  assert.equal(isControlledBy(pod, other), false);
  assert.equal(controllerOf({ metadata: {} }), undefined);
  assert.equal(controllerOf({}), undefined);
  assert.equal(isControlledBy({}, rs), false);
});
