import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authProxyHeaders, headerKeyEscape, proxyRequestHeaders } from './headers.js';

describe('aggregator proxy headers', () => {
  it('headerKeyEscape keeps token characters and percent-escapes the rest', () => {
    assert.equal(headerKeyEscape('scopes.example.com'), 'scopes.example.com');
    assert.equal(headerKeyEscape('authentication.kubernetes.io/pod-name'), 'authentication.kubernetes.io%2Fpod-name');
    assert.equal(headerKeyEscape('a b=ü'), 'a%20b%3D%C3%BC');
  });

  it('authProxyHeaders names the user, each group and each extra value', () => {
    assert.deepEqual(authProxyHeaders({ name: 'jane', groups: ['devs', 'system:authenticated'], extra: { 'scopes.example.com': ['read', 'write'], empty: [] } }), {
      'X-Remote-User': 'jane', 'X-Remote-Group': ['devs', 'system:authenticated'], 'X-Remote-Extra-scopes.example.com': ['read', 'write'],
    });
    assert.deepEqual(authProxyHeaders({ name: 'system:anonymous', groups: [] }), { 'X-Remote-User': 'system:anonymous' });
  });

  it('proxyRequestHeaders drops credentials, forged identity and hop-by-hop headers', () => {
    const h = proxyRequestHeaders({
      host: 'api', authorization: 'Bearer secret', 'impersonate-user': 'bob', 'x-remote-user': 'forged', 'x-remote-group': 'system:masters',
      connection: 'keep-alive, x-private', 'x-private': '1', 'keep-alive': 'timeout=5', accept: 'application/json', 'user-agent': 'kubectl',
    }, { name: 'jane', groups: ['devs'] }, '10.0.0.9', false);
    assert.deepEqual(h, { accept: 'application/json', 'user-agent': 'kubectl', 'x-forwarded-for': '10.0.0.9', 'X-Remote-User': 'jane', 'X-Remote-Group': ['devs'] });
  });

  it('an upgrade keeps Connection and Upgrade', () => {
    const h = proxyRequestHeaders({ connection: 'Upgrade', upgrade: 'SPDY/3.1' }, { name: 'jane', groups: [] }, undefined, true);
    assert.deepEqual([h.connection, h.upgrade], ['Upgrade', 'SPDY/3.1']);
  });
});
