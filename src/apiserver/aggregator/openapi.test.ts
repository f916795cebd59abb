import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetchOpenAPIV3Entry, mergeOpenAPIV3Index, openapiV3Path } from './openapi.js';
import type { ProxyTarget } from './proxy.js';

const target: ProxyTarget = { address: { host: '10.0.0.1', port: 443 }, serverName: 'api.ns.svc', insecureSkipTLSVerify: false };

describe('aggregated OpenAPI v3', () => {
  it('reads the group version\'s entry of the extension server\'s index', async () => {
    const paths: string[] = [];
    const entry = await fetchOpenAPIV3Entry(async (_t, p) => {
      paths.push(p);
      return { ok: true, body: JSON.stringify({ paths: { 'apis/w.io/v1': { serverRelativeURL: '/openapi/v3/apis/w.io/v1?hash=AB' }, 'apis/other/v1': { serverRelativeURL: '/x' } } }) };
    }, target, 'w.io', 'v1');
    assert.deepEqual([paths, entry], [['/openapi/v3'], { serverRelativeURL: '/openapi/v3/apis/w.io/v1?hash=AB' }]);
    assert.equal(await fetchOpenAPIV3Entry(async () => ({ ok: false, message: 'bad status' }), target, 'w.io', 'v1'), undefined);
    assert.equal(await fetchOpenAPIV3Entry(async () => ({ ok: true, body: 'not json' }), target, 'w.io', 'v1'), undefined);
  });

  it('merges entries into the index in key order', () => {
    const merged = mergeOpenAPIV3Index({ paths: { 'api/v1': { serverRelativeURL: 'a' }, 'apis/zz/v1': { serverRelativeURL: 'z' } } }, new Map([[openapiV3Path('w.io', 'v1'), { serverRelativeURL: 'w' }]]));
    assert.deepEqual(Object.keys(merged.paths), ['api/v1', 'apis/w.io/v1', 'apis/zz/v1']);
  });
});
