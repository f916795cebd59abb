import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDefinition } from '../api/resource.js';
import { forbidden } from '../apimachinery/errors.js';
import { AdmissionChain } from './chain.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from './interfaces.js';

const attrs = (operation: Operation = 'CREATE'): AdmissionAttributes => ({
  operation, def: { group: '', plural: 'pods' } as ResourceDefinition, subresource: '', namespace: 'default', name: 'p',
  object: { metadata: { name: 'p', labels: {} } }, userInfo: { name: 'admin', groups: [] }, dryRun: false,
});

/** plugin records what the chain asked of it in `calls`. */
function plugin(name: string, calls: string[], o: { refuseAdmit?: boolean; refuseValidate?: boolean; ops?: Operation[] } = {}): AdmissionPlugin {
  return {
    name,
    handles: (op) => (o.ops ?? ['CREATE', 'UPDATE', 'DELETE']).includes(op),
    async admit(a) {
      calls.push(`admit ${name}`);
      if (o.refuseAdmit) throw forbidden({ group: '', resource: 'pods' }, a.name, `${name} says no`);
      a.object!.metadata!.labels![name] = 'seen';
      return async () => { calls.push(`revert ${name}`); };
    },
    async validate(a) {
      calls.push(`validate ${name}`);
      if (o.refuseValidate) throw forbidden({ group: '', resource: 'pods' }, a.name, `${name} refuses`);
    },
  };
}

describe('AdmissionChain', () => {
  it('runs every admit in order, then every validate in order', async () => {
    const calls: string[] = [];
    const chain = new AdmissionChain([plugin('a', calls), plugin('b', calls)]);
    const a = attrs();
    const revert = await chain.admit(a);
    await chain.validate(a);
    assert.deepEqual(calls, ['admit a', 'admit b', 'validate a', 'validate b']);
    assert.deepEqual(a.object?.metadata?.labels, { a: 'seen', b: 'seen' });
    // The joint revert undoes the newest first.
    await (revert as () => Promise<void>)();
    assert.deepEqual(calls.slice(4), ['revert b', 'revert a']);
  });

  it('a refusal in admit undoes what earlier plugins did and stops the chain', async () => {
    const calls: string[] = [];
    const chain = new AdmissionChain([plugin('a', calls), plugin('b', calls), plugin('c', calls, { refuseAdmit: true }), plugin('d', calls)]);
    await assert.rejects(chain.admit(attrs()), /pods "p" is forbidden: c says no/);
    assert.deepEqual(calls, ['admit a', 'admit b', 'admit c', 'revert b', 'revert a']);
  });

  it('a refusal in validate stops the chain', async () => {
    const calls: string[] = [];
    const chain = new AdmissionChain([plugin('a', calls, { refuseValidate: true }), plugin('b', calls)]);
    await assert.rejects(chain.validate(attrs()), /a refuses/);
    assert.deepEqual(calls, ['validate a']);
  });

  it('plugins that do not handle the operation are skipped', async () => {
    const calls: string[] = [];
    const chain = new AdmissionChain([plugin('a', calls, { ops: ['CREATE'] }), plugin('b', calls)]);
    assert.equal(await chain.admit(attrs('DELETE')) !== undefined, true);
    await chain.validate(attrs('DELETE'));
    assert.deepEqual(calls, ['admit b', 'validate b']);
  });
});
