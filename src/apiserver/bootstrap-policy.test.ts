import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS_USER } from './authn.js';
import { basicRulesAllow, rulesFor } from './bootstrap-policy.js';

const path = (p: string, verb = 'get') => ({ resourceRequest: false, verb, path: p, apiGroup: '', resource: '', subresource: '', name: '' });
const jane = { name: 'jane', groups: ['system:authenticated'] };

test('anonymous users get the public info paths (system:public-info-viewer) and nothing else; authenticated users discovery too', () => {
  for (const p of ['/healthz', '/livez', '/readyz', '/version']) assert.ok(basicRulesAllow(ANONYMOUS_USER, path(p)), p);
  for (const p of ['/api', '/apis', '/openapi/v2', '/metrics']) assert.equal(basicRulesAllow(ANONYMOUS_USER, path(p)), false, p);
  assert.equal(basicRulesAllow(ANONYMOUS_USER, path('/healthz', 'post')), false);
  assert.ok(basicRulesAllow(jane, path('/api')));
  assert.equal(basicRulesAllow({ name: 'nobody', groups: [] }, path('/healthz')), false, 'in neither group: no bootstrap rule applies');
  const rules = rulesFor(ANONYMOUS_USER);
  assert.deepEqual([rules.resourceRules, rules.nonResourceRules], [[], [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }]]);
});
