// End-to-end: the API aggregation layer on `tskube up`, driven by the real kubectl. A small extension
// API server (wardle.example.com/v1alpha1 flunders, HTTPS with its own CA) runs in this test on
// 127.0.0.1; a Service without selector and hand-made Endpoints lead to it, an APIService with its
// caBundle registers it — what the conformance spec "Aggregator Should be able to support the 1.17
// Sample API Server" does with a Deployment, minus the image.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';
import { startWardleServer, wardleManifests, WARDLE_GROUP, WARDLE_VERSION, type WardleServer } from '../src/apiserver/aggregator/testing.js';

let c: Cluster;
let wardle: WardleServer | undefined;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const NS = 'sample-system';
const NAME = `${WARDLE_VERSION}.${WARDLE_GROUP}`;
const row = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(`${name} `))?.trim().split(/\s{2,}/);

describeNeeding('the API aggregation layer with kubectl', { timeout: 6 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 0 });
    wardle = await startWardleServer({ namespace: NS, service: 'sample-api' });
  }, { timeout: 2 * 60_000 });
  after(async () => { await wardle?.close(); await c?.stop(); }, { timeout: 60_000 });

  it('an extension API server registered by APIService becomes Available and is listed by kubectl api-resources', async () => {
    assert.equal((await k(['create', 'namespace', NS])).code, 0);
    const list = { apiVersion: 'v1', kind: 'List', items: wardleManifests({ namespace: NS, service: 'sample-api', port: wardle!.port, caBundle: wardle!.caBundle }) };
    const created = await k(['create', '-f', '-'], JSON.stringify(list));
    assert.equal(created.code, 0, created.stderr);
    const cells = await waitFor(async () => {
      const r = row((await k(['get', 'apiservices'])).stdout, NAME);
      return r?.[2] === 'True' && r;
    }, 'the APIService to become Available');
    assert.equal(cells[1], `${NS}/sample-api`);
    const resources = await waitFor(async () => {
      const out = (await k(['api-resources', '--api-group', WARDLE_GROUP])).stdout;
      return out.includes('flunders') && out;
    }, 'flunders in kubectl api-resources');
    assert.deepEqual(row(resources, 'flunders'), ['flunders', 'fl', `${WARDLE_GROUP}/${WARDLE_VERSION}`, 'true', 'Flunder']);
    assert.match((await k(['api-versions'])).stdout, new RegExp(`^${WARDLE_GROUP}/${WARDLE_VERSION}$`, 'm'));
    // kubectl explain reads the extension server's OpenAPI v3 through the aggregated index.
    const explained = await k(['explain', 'flunders.spec']);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /KIND:\s+Flunder/);
    assert.match(explained.stdout, /reference\s+<string>/);
  });

  it('kubectl create, get and delete of flunders go through the proxy with the user\'s identity', async () => {
    const flunder = `apiVersion: ${WARDLE_GROUP}/${WARDLE_VERSION}\nkind: Flunder\nmetadata:\n  name: test-flunder\n  labels: {sample-label: "true"}\n`;
    const created = await k(['create', '-n', 'default', '-f', '-'], flunder);
    assert.equal(created.stdout.trim(), `flunder.${WARDLE_GROUP}/test-flunder created`, created.stderr);
    const post = wardle!.requests.find((r) => r.method === 'POST')!;
    assert.equal(post.user, 'kubernetes-admin');
    assert.ok(post.groups.includes('system:masters'), post.groups.join(','));
    assert.equal(post.authorization, undefined);
    const got = await k(['get', 'flunders', '-n', 'default']);
    assert.equal(got.code, 0, got.stderr);
    assert.ok(row(got.stdout, 'test-flunder'), got.stdout);
    assert.equal((await k(['get', 'fl', 'test-flunder', '-n', 'default', '-o', 'jsonpath={.metadata.labels.sample-label}'])).stdout, 'true');
    assert.equal((await k(['delete', 'flunder', 'test-flunder', '-n', 'default'])).stdout.trim(), `flunder.${WARDLE_GROUP} "test-flunder" deleted`);
    assert.equal((await k(['get', 'flunders', '-n', 'default', '-o', 'name'])).stdout.trim(), '');
  });

  it('a stopped extension server fails the discovery check; requests then get 503', async () => {
    const port = wardle!.port;
    await wardle!.close();
    wardle = undefined;
    // The availability controller re-checks every 30 s: wait for it.
    const cells = await waitFor(async () => {
      const r = row((await k(['get', 'apiservices'])).stdout, NAME);
      return r?.[2] === 'False (FailedDiscoveryCheck)' && r;
    }, 'the APIService to become unavailable', 400, 250);
    assert.equal(cells[1], `${NS}/sample-api`);
    const message = (await k(['get', 'apiservice', NAME, '-o', 'jsonpath={.status.conditions[0].message}'])).stdout;
    assert.match(message, new RegExp(`^failing or missing response from https://127\\.0\\.0\\.1:${port}/apis/${WARDLE_GROUP}/${WARDLE_VERSION}: `));
    const r = await k(['get', `flunders.${WARDLE_VERSION}.${WARDLE_GROUP}`, '-n', 'default']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(ServiceUnavailable\): the server is currently unable to handle the request/);
    // Aggregated discovery lists the group version Stale, without resources: kubectl leaves flunders out.
    const resources = await k(['api-resources']);
    assert.equal(resources.code, 0, resources.stderr);
    assert.doesNotMatch(resources.stdout, /^flunders\s/m);
    assert.match(resources.stdout, /^deployments\s/m, 'the other groups are listed');
    // Without Endpoints the reason says so at once.
    assert.equal((await k(['delete', 'endpoints', 'sample-api', '-n', NS])).code, 0);
    await waitFor(async () => row((await k(['get', 'apiservices'])).stdout, NAME)?.[2] === 'False (EndpointsNotFound)', 'EndpointsNotFound');
  });

  it('deleting the APIService removes the group', async () => {
    assert.equal((await k(['delete', 'apiservice', NAME])).code, 0);
    await waitFor(async () => !(await k(['api-versions'])).stdout.includes(WARDLE_GROUP), 'the group to leave discovery');
    const r = await k(['get', 'flunders', '-n', 'default']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the server doesn't have a resource type "flunders"/);
  });
});
