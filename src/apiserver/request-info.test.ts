import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

test('parseRequestInfo splits core, group, namespaced and subresource paths', () => {
  assert.deepEqual(parseRequestInfo('/api/v1/namespaces/default/pods/nginx/status'), {
    isResource: true, group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'nginx', subresource: 'status', rest: [],
  });
  assert.deepEqual(parseRequestInfo('/apis/apps/v1/deployments'), {
    isResource: true, group: 'apps', version: 'v1', namespace: undefined, resource: 'deployments', name: undefined, subresource: undefined, rest: [],
  });
});

test('namespaces are a resource of their own, with status and finalize subresources', () => {
  const ns = parseRequestInfo('/api/v1/namespaces/foo');
  assert.equal(ns.isResource && ns.resource, 'namespaces');
  assert.equal(ns.isResource && ns.name, 'foo');
  const fin = parseRequestInfo('/api/v1/namespaces/foo/finalize');
  assert.equal(fin.isResource && fin.subresource, 'finalize');
  assert.equal(fin.isResource && fin.namespace, undefined);
  const pods = parseRequestInfo('/api/v1/namespaces/foo/pods');
  assert.equal(pods.isResource && pods.namespace, 'foo');
});

test('discovery and other paths are non-resource', () => {
  assert.deepEqual(parseRequestInfo('/api/v1'), { isResource: false, path: '/api/v1', group: '', version: 'v1' });
  assert.deepEqual(parseRequestInfo('/apis/apps/v1'), { isResource: false, path: '/apis/apps/v1', group: 'apps', version: 'v1' });
  assert.equal(parseRequestInfo('/healthz').isResource, false);
});
