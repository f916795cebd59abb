import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notFound, StatusError } from './errors.js';

describe('StatusError.toStatus', () => {
  it('writes the fields in the order Go marshals metav1.Status: details before code', () => {
    const err = new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.",
      { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget zk-pdb needs 2 healthy pods and has 2 currently' }] });
    assert.deepEqual(Object.keys(err.toStatus()), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
    assert.equal(JSON.stringify(notFound({ group: '', resource: 'pods' }, 'quux').toStatus()),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"quux\\" not found","reason":"NotFound","details":{"name":"quux","kind":"pods"},"code":404}');
  });

  it('leaves details out when there are none', () => {
    assert.deepEqual(Object.keys(new StatusError(400, 'BadRequest', 'bad').toStatus()), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'code']);
  });
});
