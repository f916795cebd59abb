import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badURLEscape, parseRequestInfo } from './request-info.js';

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

test('a malformed percent-escape is named as Go names it, and never throws from parseRequestInfo', () => {
  assert.equal(badURLEscape('/api/v1/namespaces/default/pods/a%zz'), 'invalid URL escape "%zz"');
  assert.equal(badURLEscape('/api/v1/pods/a%4'), 'invalid URL escape "%4"');
  assert.equal(badURLEscape('/api/v1/pods/a%2Fb'), undefined);
  assert.equal(badURLEscape('/api/v1/pods/%ff'), undefined);
  const info = parseRequestInfo('/api/v1/namespaces/default/pods/%ff');
  assert.equal(info.isResource && info.name, '%ff');
});
