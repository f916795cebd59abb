import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { allResources } from '../api/registry.js';

// The subresources the API server answers itself (scale, binding, finalize, and the refusals of
// log/exec without what they need), over HTTP as kubectl and the controllers call them.
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

/** call sends one request as the admin and returns the status and the decoded body. */
async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const r = await fetch(`${tc.api.url}${path}`, {
    method, headers: { Authorization: 'Bearer t0k', 'Content-Type': contentType, Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* plain text */ }
  return { status: r.status, body: parsed };
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

describe('scale', () => {
  before(async () => {
    assert.equal((await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, template: template('web') },
    })).status, 201);
    assert.equal((await call('POST', '/api/v1/namespaces/default/replicationcontrollers', {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { replicas: 1, selector: { app: 'rc' }, template: template('rc') },
    })).status, 201);
  });

  it('GET is the autoscaling/v1 Scale: spec.replicas, status.replicas and the selector as a string', async () => {
    const { status, body } = await call('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
    assert.equal(status, 200);
    assert.deepEqual([body.kind, body.apiVersion, body.metadata.name, body.spec, body.status], ['Scale', 'autoscaling/v1', 'web', { replicas: 3 }, { replicas: 0, selector: 'app=web,tier notin (db)' }]);
    const rc = await call('GET', '/api/v1/namespaces/default/replicationcontrollers/rc/scale');
    assert.deepEqual([rc.body.spec, rc.body.status.selector], [{ replicas: 1 }, 'app=rc']);
  });

  it('PUT and PATCH change the object\'s replicas; its resourceVersion must be current', async () => {
    let r = await call('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
    const stale = r.body.metadata.resourceVersion;
    r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', resourceVersion: stale }, spec: { replicas: 5 } });
    assert.deepEqual([r.status, r.body.spec.replicas], [200, 5]);
    assert.equal((await call('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.spec.replicas, 5);
    r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', resourceVersion: stale }, spec: { replicas: 6 } });
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
    r = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 2 } }, 'application/merge-patch+json');
    assert.deepEqual([r.status, r.body.spec.replicas], [200, 2]);
    assert.equal((await call('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.spec.replicas, 2);
  });

  it('negative replicas are a 422 on the Scale, replicas that do not decode as an int32 a 400; kinds without scale have no such subresource', async () => {
    let r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: -1 } });
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, 'Invalid');
    assert.deepEqual(r.body.details.causes.map((c: { field: string }) => c.field), ['spec.replicas']);
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = [deep];
    for (const replicas of [1.5, 'two', deep]) {
      r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas } });
      assert.equal(r.status, 400, JSON.stringify(replicas).slice(0, 20));
      assert.match(r.body.message, /^Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal .* into Go struct field ScaleSpec\.spec\.replicas of type int32$/);
    }
    r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: -1 } });
    assert.equal(r.body.message, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } })).status, 201);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps/cm/scale')).status, 404);
    assert.equal((await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/web/scale')).status, 405);
  });
});

describe('binding', () => {
  const pod = (name: string) => call('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const bind = (name: string, target: unknown) => call('POST', `/api/v1/namespaces/default/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target });

  it('assigns the node and sets PodScheduled=True; a second binding is a conflict', async () => {
    assert.equal((await pod('p1')).status, 201);
    let r = await bind('p1', { apiVersion: 'v1', kind: 'Node', name: 'host01' });
    assert.deepEqual([r.status, r.body.kind, r.body.status], [201, 'Status', 'Success']);
    const p = (await call('GET', '/api/v1/namespaces/default/pods/p1')).body;
    assert.equal(p.spec.nodeName, 'host01');
    assert.deepEqual(p.status.conditions.filter((c: { type: string }) => c.type === 'PodScheduled').map((c: { status: string }) => c.status), ['True']);
    r = await bind('p1', { kind: 'Node', name: 'host02' });
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'Operation cannot be fulfilled on pods/binding "p1": pod p1 is already assigned to node "host01"');
  });

  it('a binding without a target name is invalid; only POST is allowed; a missing pod is 404', async () => {
    assert.equal((await pod('p2')).status, 201);
    assert.equal((await bind('p2', { kind: 'Node' })).status, 422);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/p2/binding')).status, 405);
    assert.equal((await bind('ghost', { kind: 'Node', name: 'host01' })).status, 404);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/p2')).body.spec.nodeName, undefined);
  });
});

describe('namespaces/finalize', () => {
  it('PUT replaces spec.finalizers and nothing else', async () => {
    assert.equal((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin', labels: { a: 'b' } } })).status, 201);
    assert.deepEqual((await call('GET', '/api/v1/namespaces/fin')).body.spec, { finalizers: ['kubernetes'] });
    const r = await call('PUT', '/api/v1/namespaces/fin/finalize', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin', labels: { changed: 'no' } }, spec: { finalizers: [] } });
    assert.equal(r.status, 200);
    const ns = (await call('GET', '/api/v1/namespaces/fin')).body;
    assert.deepEqual([ns.spec, ns.metadata.labels], [{ finalizers: [] }, { a: 'b', 'kubernetes.io/metadata.name': 'fin' }]);
    assert.equal((await call('GET', '/api/v1/namespaces/fin/finalize')).status, 405);
  });
});

describe('log and exec', () => {
  it('exec, attach and portforward need an upgrade; log needs a scheduled pod and a valid container', async () => {
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'idle' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } })).status, 201);
    for (const sub of ['exec?command=ls&stdout=true', 'attach?stdout=true']) {
      const r = await call('POST', `/api/v1/namespaces/default/pods/idle/${sub}`);
      assert.deepEqual([r.status, r.body.message], [400, 'Upgrade request required'], sub);
    }
    let r = await call('GET', '/api/v1/namespaces/default/pods/idle/log');
    assert.deepEqual([r.status, r.body.message], [400, 'pod idle does not have a host assigned']);
    r = await call('GET', '/api/v1/namespaces/default/pods/idle/log?container=nope');
    assert.deepEqual([r.status, r.body.message], [400, 'container nope is not valid for pod idle']);
    r = await call('GET', '/api/v1/namespaces/default/pods/idle/log?tailLines=-2');
    assert.deepEqual([r.status, r.body.message], [400, 'tailLines: Invalid value: -2: must be greater than or equal to 0']);
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods/idle/log')).status, 405);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/ghost/log')).status, 404);
  });
});

describe('discovery lists only subresources that are served', () => {
  it('every subresource of the core kinds answers something other than "the server could not find the requested resource"', async () => {
    const objects: Record<string, unknown> = {
      pods: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sub' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      services: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sub' }, spec: { ports: [{ port: 80 }] } },
      serviceaccounts: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sub' } },
      replicationcontrollers: { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'sub' }, spec: { replicas: 0, selector: { app: 'sub' }, template: template('sub') } },
      persistentvolumeclaims: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'sub' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      resourcequotas: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'sub' }, spec: { hard: { pods: '100' } } },
    };
    const cluster: Record<string, unknown> = {
      nodes: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sub' } },
      namespaces: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sub' } },
      persistentvolumes: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'sub' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/sub' } } },
    };
    const checked: string[] = [];
    for (const def of allResources.filter((d) => d.group === '' && d.subresources.length)) {
      const base = def.namespaced ? `/api/v1/namespaces/default/${def.plural}` : `/api/v1/${def.plural}`;
      const obj = def.namespaced ? objects[def.plural] : cluster[def.plural];
      assert.ok(obj, `no sample ${def.plural}: add one so its subresources are checked`);
      assert.equal((await call('POST', base, obj)).status, 201, def.plural);
      for (const sub of def.subresources) {
        for (const method of ['GET', 'POST']) {
          const r = await call(method, `${base}/sub/${sub}`);
          assert.ok(!(r.status === 404 && r.body?.message === 'the server could not find the requested resource'), `${method} ${def.plural}/${sub} is listed but not served`);
        }
        checked.push(`${def.plural}/${sub}`);
      }
    }
    assert.ok(checked.includes('pods/exec') && checked.includes('pods/log') && checked.includes('namespaces/finalize'), checked.join(' '));
  });
});
