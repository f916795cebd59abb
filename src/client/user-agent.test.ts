import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentUserAgent } from './user-agent.js';

test('componentUserAgent: the component name comes first, before the only / that precedes the version', () => {
  const ua = componentUserAgent('kube-scheduler', 'v1.32.0');
  assert.match(ua, /^kube-scheduler\/v1\.32\.0 \(linux\/(amd64|arm64|[a-z0-9]+)\) kubernetes\/tskube$/);
  assert.equal(ua.split('/')[0], 'kube-scheduler', 'the field manager the API server derives');
});
