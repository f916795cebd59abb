import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../testing/test-cluster.js';
import { StatusError } from '../apimachinery/errors.js';
import { ObjectCache } from './cache.js';

describe('ObjectCache', () => {
  it('lists once, then follows creates, updates and deletes through the watch', async () => {
    const tc = await startTestCluster();
    const ac = new AbortController();
    try {
      const store = tc.api.storeFor('', 'v1', 'configmaps');
      await store.create('default', { metadata: { name: 'a' }, data: { v: '1' } });
      let changes = 0;
      const cache = new ObjectCache(() => store, ac.signal, undefined, () => { changes++; });
      assert.deepEqual((await cache.list()).map((o) => o.metadata?.name), ['a']);
      await store.create('default', { metadata: { name: 'b' } });
      await store.update('default', 'a', { metadata: { name: 'a' }, data: { v: '2' } });
      await store.delete('default', 'b');
      await eventually(async () => {
        assert.deepEqual((await cache.list()).map((o) => [o.metadata?.name, o.data]), [['a', { v: '2' }]]);
        assert.deepEqual((await cache.get('default/a'))?.data, { v: '2' });
      });
      assert.ok(changes >= 4, `onChange ran ${changes} times`);
    } finally {
      ac.abort();
      await tc.close();
    }
  });

  it('a resource the server does not serve reads as empty instead of holding requests', async () => {
    const ac = new AbortController();
    const cache = new ObjectCache(() => { throw new StatusError(404, 'NotFound', 'not served'); }, ac.signal);
    assert.deepEqual(await cache.list(), []);
    ac.abort();
  });
});
