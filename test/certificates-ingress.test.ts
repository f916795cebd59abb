// End-to-end with the real kubectl: CertificateSigningRequests (create, table, `kubectl certificate
// approve|deny`, Kubernetes' validation messages), Ingress and IngressClass (tables, describe over
// protobuf, the default class), CSINode, and the Local APIServices of every built-in group version.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '../src/apiserver/x509.js';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const header = (out: string) => out.split('\n')[0].trim().split(/\s{2,}/);
const row = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(`${name} `))?.trim().split(/\s{2,}/);

async function csrManifest(name: string, extra = ''): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${name}`, keys, signingAlgorithm: alg });
  const request = Buffer.from(req.toString('pem')).toString('base64');
  return `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: ${name}}
spec:
  request: ${request}
  signerName: kubernetes.io/kube-apiserver-client
  usages: [client auth]${extra}
`;
}

describeNeeding('certificates, ingresses, CSI nodes and API services with kubectl', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('CSRs: created Pending with the requester, approved and denied with kubectl certificate', async () => {
    assert.equal((await k(['create', '-f', '-'], await csrManifest('alice', '\n  expirationSeconds: 86400'))).stdout.trim(), 'certificatesigningrequest.certificates.k8s.io/alice created');
    assert.equal((await k(['create', '-f', '-'], await csrManifest('bob'))).code, 0);
    const listed = (await k(['get', 'csr'])).stdout;
    assert.deepEqual(header(listed), ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    const alice = row(listed, 'alice')!;
    assert.deepEqual([alice[2], alice[4], alice[5]], ['kubernetes.io/kube-apiserver-client', '24h', 'Pending']);
    assert.ok(alice[3], 'the requester is recorded');
    assert.equal(row(listed, 'bob')![4], '<none>');

    assert.equal((await k(['certificate', 'approve', 'alice'])).stdout.trim(), 'certificatesigningrequest.certificates.k8s.io/alice approved');
    assert.equal((await k(['certificate', 'deny', 'bob'])).stdout.trim(), 'certificatesigningrequest.certificates.k8s.io/bob denied');
    const after = (await k(['get', 'csr'])).stdout;
    assert.equal(row(after, 'alice')![5], 'Approved');
    assert.equal(row(after, 'bob')![5], 'Denied');
    const cond = JSON.parse((await k(['get', 'csr', 'alice', '-o', 'jsonpath={.status.conditions[0]}'])).stdout);
    assert.deepEqual([cond.type, cond.status, cond.reason], ['Approved', 'True', 'KubectlApprove']);
  });

  it('CSRs: Kubernetes\' validation messages', async () => {
    const bad = (await csrManifest('carol')).replace('signerName: kubernetes.io/kube-apiserver-client', 'signerName: example').replace('usages: [client auth]', 'usages: []');
    const res = await k(['create', '-f', '-'], bad);
    assert.notEqual(res.code, 0);
    assert.equal(res.stderr.trim(), 'The CertificateSigningRequest "carol" is invalid: \n'
      + '* spec.usages: Required value: usages must be provided\n'
      + "* spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'");
  });

  it('Ingress and IngressClass: tables and describe', async () => {
    const manifest = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: classless}
spec:
  defaultBackend: {service: {name: web, port: {name: http}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  tls: [{hosts: [a.example.com], secretName: tls}]
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`;
    assert.equal((await k(['apply', '-f', '-'], manifest)).code, 0);
    const ing = (await k(['get', 'ing'])).stdout;
    assert.deepEqual(header(ing), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    assert.deepEqual(row(ing, 'web')!.slice(0, 4), ['web', 'nginx', 'a.example.com', '80, 443']);
    // The DefaultIngressClass admission plugin gives a class-less Ingress the default class.
    assert.deepEqual(row(ing, 'classless')!.slice(0, 4), ['classless', 'nginx', '*', '80']);
    const ic = (await k(['get', 'ingressclass'])).stdout;
    assert.deepEqual(header(ic), ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
    assert.deepEqual(row(ic, 'nginx')!.slice(0, 3), ['nginx', 'k8s.io/ingress-nginx', '<none>']);
    // kubectl describe reads the Ingress as protobuf: the rule's paths must survive it.
    const described = (await k(['describe', 'ing', 'web'])).stdout;
    assert.match(described, /a\.example\.com\s*\n\s+\/\s+web:80/);
    assert.match(described, /tls terminates a\.example\.com/);
  });

  it('CSINode table, and a Local, Available APIService per built-in group version', async () => {
    const csinode = 'apiVersion: storage.k8s.io/v1\nkind: CSINode\nmetadata: {name: n1}\nspec:\n  drivers: [{name: hostpath.csi.k8s.io, nodeID: n1}]\n';
    assert.equal((await k(['apply', '-f', '-'], csinode)).code, 0);
    const nodes = (await k(['get', 'csinodes'])).stdout;
    assert.deepEqual(header(nodes), ['NAME', 'DRIVERS', 'AGE']);
    assert.deepEqual(row(nodes, 'n1')!.slice(0, 2), ['n1', '1']);
    const services = (await k(['get', 'apiservices'])).stdout;
    assert.deepEqual(header(services), ['NAME', 'SERVICE', 'AVAILABLE', 'AGE']);
    for (const name of ['v1.', 'v1.apps', 'v1.certificates.k8s.io', 'v1.networking.k8s.io', 'v2.autoscaling']) {
      assert.deepEqual(row(services, name)!.slice(0, 3), [name, 'Local', 'True'], name);
    }
  });
});
