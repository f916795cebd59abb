// End-to-end with the real kubectl: CertificateSigningRequests (create, table, `kubectl certificate
// approve|deny`, Kubernetes' validation messages), Ingress and IngressClass (tables, describe over
// protobuf, the default class), CSINode, and the Local APIServices of every built-in group version.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '../src/testing/x509.js';
import { newCA, newSignedCert } from '../src/api/certificates/pki.js';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const header = (out: string) => out.split('\n')[0].trim().split(/\s{2,}/);
const row = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(`${name} `))?.trim().split(/\s{2,}/);

/** keyPEMs: the PKCS#8 PEM of each request's private key, by request name (a user's key file). */
const keyPEMs = new Map<string, string>();

async function csrManifest(name: string, extra = '', subject = `CN=${name}`): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: alg });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  keyPEMs.set(name, `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`);
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

/** issued waits for the signer to write the request's certificate and returns its PEM. */
async function issued(name: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const b64 = (await k(['get', 'csr', name, '-o', 'jsonpath={.status.certificate}'])).stdout;
    if (b64) return Buffer.from(b64, 'base64').toString();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name}: no certificate issued`);
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
    await issued('alice');
    const after = (await k(['get', 'csr'])).stdout;
    assert.equal(row(after, 'alice')![5], 'Approved,Issued');
    assert.equal(row(after, 'bob')![5], 'Denied');
    assert.equal((await k(['get', 'csr', 'bob', '-o', 'jsonpath={.status.certificate}'])).stdout, '', 'a denied request is not signed');
    const cond = JSON.parse((await k(['get', 'csr', 'alice', '-o', 'jsonpath={.status.conditions[0]}'])).stdout);
    assert.deepEqual([cond.type, cond.status, cond.reason], ['Approved', 'True', 'KubectlApprove']);
  });

  it('CSRs: a normal user\'s certificate, as the docs issue one: signed by the cluster CA, then kubectl authenticates with it', async () => {
    await k(['create', '-f', '-'], await csrManifest('myuser', '\n  expirationSeconds: 86400', 'CN=myuser, O=developers'));
    await k(['certificate', 'approve', 'myuser']);
    const pem = await issued('myuser');
    const cert = new X509Certificate(pem);
    const ca = new X509Certificate(Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(c.kubeconfig, 'utf8'))![1], 'base64').toString());
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'signed by the cluster CA');
    assert.equal(cert.subject, 'CN=myuser\nO=developers');
    // expirationSeconds 86400: a day, backdated five minutes (clock skew) at both ends
    const lifetime = new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime();
    assert.equal(lifetime, 86_400_000);
    assert.ok(new Date(cert.validFrom).getTime() <= Date.now() - 4 * 60_000);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'client auth only');
    const dir = mkdtempSync(join(tmpdir(), 'tskube-user-'));
    try {
      writeFileSync(join(dir, 'myuser.crt'), pem);
      writeFileSync(join(dir, 'myuser.key'), keyPEMs.get('myuser')!);
      assert.equal((await k(['config', 'set-credentials', 'myuser', `--client-key=${join(dir, 'myuser.key')}`, `--client-certificate=${join(dir, 'myuser.crt')}`, '--embed-certs=true'])).stdout.trim(), 'User "myuser" set.');
      const cluster = (await k(['config', 'view', '-o', 'jsonpath={.contexts[0].context.cluster}'])).stdout;
      await k(['config', 'set-context', 'myuser', `--cluster=${cluster}`, '--user=myuser']);
      const whoami = await k(['--context', 'myuser', 'auth', 'whoami']);
      assert.match(whoami.stdout, /^Username\s+myuser$/m, whoami.stderr);
      assert.match(whoami.stdout, /^Groups\s+\[developers system:authenticated\]$/m);
      const denied = await k(['--context', 'myuser', 'get', 'pods']);
      assert.equal(denied.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "myuser" cannot list resource "pods" in API group "" in the namespace "default"');
      await k(['create', 'role', 'developer', '--verb=create', '--verb=get', '--verb=list', '--verb=update', '--verb=delete', '--resource=pods']);
      await k(['create', 'rolebinding', 'developer-binding-myuser', '--role=developer', '--user=myuser']);
      const allowed = await k(['--context', 'myuser', 'get', 'pods']);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(allowed.stderr.trim(), 'No resources found in default namespace.');
      // the admin's context still authenticates with its token
      assert.match((await k(['auth', 'whoami'])).stdout, /^Username\s+kubernetes-admin$/m);
      // a certificate from another CA authenticates no one, and is no anonymous request either: 401
      const otherCA = newCA('not-the-cluster-ca');
      const mallory = newSignedCert(otherCA, { commonName: 'mallory', usage: 'clientAuth' });
      writeFileSync(join(dir, 'mallory.crt'), mallory.cert);
      writeFileSync(join(dir, 'mallory.key'), mallory.key);
      await k(['config', 'set-credentials', 'mallory', `--client-key=${join(dir, 'mallory.key')}`, `--client-certificate=${join(dir, 'mallory.crt')}`, '--embed-certs=true']);
      await k(['config', 'set-context', 'mallory', `--cluster=${cluster}`, '--user=mallory']);
      const refused = await k(['--context', 'mallory', 'get', 'pods']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CSRs: the signer refuses usages its signer does not allow (Failed, SignerValidationFailure)', async () => {
    await k(['create', '-f', '-'], (await csrManifest('server-auth')).replace('usages: [client auth]', 'usages: [digital signature, server auth]'));
    await k(['certificate', 'approve', 'server-auth']);
    let conditions: { type: string; reason: string; message: string }[] = [];
    for (let i = 0; i < 200 && conditions.length < 2; i++) {
      conditions = JSON.parse((await k(['get', 'csr', 'server-auth', '-o', 'jsonpath={.status.conditions}'])).stdout || '[]');
      if (conditions.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(conditions.map((x) => [x.type, x.reason, x.message]), [
      ['Approved', 'KubectlApprove', 'This CSR was approved by kubectl certificate approve.'],
      ['Failed', 'SignerValidationFailure', 'invalid usage for client certificate: server auth'],
    ]);
    assert.equal(row((await k(['get', 'csr'])).stdout, 'server-auth')![5], 'Approved,Failed');
    assert.equal((await k(['get', 'csr', 'server-auth', '-o', 'jsonpath={.status.certificate}'])).stdout, '');
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
