import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../apimachinery/errors.js';
import type { Client } from '../../../client/types.js';
import { makePod } from '../../testing/wrappers.js';
import { DefaultBinder } from './default-binder.js';

test('DefaultBinder POSTs a Binding with the pod UID; errors become statuses', async () => {
  const calls: unknown[] = [];
  const client = { createSubresource: async (...args: unknown[]) => { calls.push(args); return {}; } } as unknown as Client;
  assert.equal(await new DefaultBinder(client).bind(undefined, makePod().name('web').info(), 'host02'), undefined);
  assert.deepEqual(calls, [[{ group: '', version: 'v1', plural: 'pods', namespaced: true }, 'default', 'web', 'binding', {
    apiVersion: 'v1', kind: 'Binding', metadata: { namespace: 'default', name: 'web', uid: 'uid-web' }, target: { kind: 'Node', name: 'host02' },
  }]]);
  const failing = { createSubresource: async () => { throw new StatusError(409, 'Conflict', 'pod web is already assigned to node "host01"'); } } as unknown as Client;
  const s = await new DefaultBinder(failing).bind(undefined, makePod().name('web').info(), 'host02');
  assert.equal(s?.code, 'Error');
  assert.equal(s?.message(), 'pod web is already assigned to node "host01"');
});
