import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '../../testing/x509.js';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { decodeKubernetesProtobuf } from '../../apimachinery/protobuf/decode.js';
import { encodeKubernetesProtobuf } from '../../apimachinery/protobuf/encode.js';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { createObject } from '../testing/strategy-harness.js';
import { certificatesigningrequests, csrCondition, csrPrinter, validateSignerName } from './csr.js';
import { checkCSR } from './pkcs10.js';

/** newCSRPem builds a real PKCS#10 request (EC P-256, signed by its own key), as `openssl req -new` would. */
async function newCSRPem(cn: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: alg });
  return req.toString('pem');
}

/** selfSignedPem is a certificate a signer could put into status.certificate. */
async function selfSignedPem(): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=ca', keys, signingAlgorithm: alg, notBefore: new Date('2026-01-01'), notAfter: new Date('2027-01-01') });
  return cert.toString('pem');
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

const csr = (name: string, request: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
  spec: { request: b64(request), signerName: 'example.com/signer', usages: ['client auth'], ...spec },
});

describe('CertificateSigningRequest', () => {
  let pem = '';
  let tc: TestCluster;
  before(async () => {
    pem = await newCSRPem('alice');
    tc = await startTestCluster();
  });
  after(async () => tc.close());

  it('accepts a well-signed request and rejects a tampered or non-CSR one', () => {
    assert.doesNotThrow(() => checkCSR(pem));
    assert.throws(() => checkCSR('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), /PEM block type must be CERTIFICATE REQUEST/);
    const der = Buffer.from(pem.split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64');
    der[der.indexOf('alice')] ^= 0x01; // inside the signed subject name
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.throws(() => checkCSR(tampered), /verification failure|malformed/);
  });

  it('validates as Kubernetes does', () => {
    const cases = [
      { name: 'no usages', obj: csr('a', pem, { usages: [] }), want: ['spec.usages: Required value: usages must be provided'] },
      { name: 'unknown usage', obj: csr('a', pem, { usages: ['client auth', 'flying'] }), want: [/^spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", "cert sign"/] },
      { name: 'duplicate usage', obj: csr('a', pem, { usages: ['client auth', 'client auth'] }), want: ['spec.usages[1]: Duplicate value: "client auth"'] },
      { name: 'no signer', obj: csr('a', pem, { signerName: '' }), want: ['spec.signerName: Required value: signerName must be provided'] },
      { name: 'signer without path', obj: csr('a', pem, { signerName: 'example.com' }), want: ["spec.signerName: Invalid value: \"example.com\": must be a fully qualified domain and path of the form 'example.com/signer-name'"] },
      { name: 'legacy signer', obj: csr('a', pem, { signerName: 'kubernetes.io/legacy-unknown' }), want: ['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version'] },
      { name: 'short expiration', obj: csr('a', pem, { expirationSeconds: 60 }), want: ['spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)'] },
      { name: 'not a request', obj: csr('a', 'hello'), want: ['spec.request: Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f}: PEM block type must be CERTIFICATE REQUEST'] },
      { name: 'valid', obj: csr('a', pem, { expirationSeconds: 3600 }), want: [] },
    ];
    for (const c of cases) {
      const got = createObject(certificatesigningrequests, c.obj).errs.map(fieldErrorMessage);
      assert.equal(got.length, c.want.length, `${c.name}: ${got.join('; ')}`);
      c.want.forEach((w, i) => (typeof w === 'string' ? assert.equal(got[i], w, c.name) : assert.match(got[i], w, c.name)));
    }
    assert.deepEqual(validateSignerName('s', 'example/x').map(fieldErrorMessage), ['s: Invalid value: "example": should be a domain with at least two segments separated by dots']);
  });

  it('the table shows signer, requester, duration and the combined condition', () => {
    const obj = { ...csr('a', pem, { expirationSeconds: 86400, username: 'alice' }), metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' } };
    assert.deepEqual(csrPrinter.cells(obj, new Date('2026-01-01T00:05:00Z')), ['a', '5m', 'example.com/signer', 'alice', '24h', 'Pending']);
    assert.deepEqual(csrPrinter.columns.map((c) => c.name), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    assert.equal(csrCondition({ status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }], certificate: 'eA==' } }), 'Approved,Failed,Issued');
    assert.equal(csrCondition({ status: { conditions: [{ type: 'Denied', status: 'True' }] } }), 'Denied');
  });

  it('through the API: the requester is recorded, approval goes through /approval, the certificate through /status', async () => {
    const api = (path: string, init: RequestInit = {}) => fetch(`${tc.api.url}/apis/certificates.k8s.io/v1/certificatesigningrequests${path}`, {
      ...init, headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    const created = await (await api('', { method: 'POST', body: JSON.stringify(csr('alice', pem, { username: 'mallory' })) })).json();
    assert.ok(created.spec.username && created.spec.username !== 'mallory', 'the server, not the request, names the requester');
    assert.deepEqual(created.status, {});

    // The main resource cannot approve.
    const viaMain = await api('/alice', { method: 'PUT', body: JSON.stringify({ ...created, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'r' }] } }) });
    assert.equal(viaMain.status, 200);
    assert.equal((await viaMain.json()).status.conditions, undefined, 'status changes through the main resource are dropped');

    // Approve through /approval, as `kubectl certificate approve` does.
    const cur = await (await api('/alice')).json();
    const approvedRes = await api('/alice/approval', { method: 'PUT', body: JSON.stringify({ ...cur, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] } }) });
    assert.equal(approvedRes.status, 200, await approvedRes.clone().text());
    const approved = await approvedRes.json();
    assert.equal(approved.status.conditions[0].type, 'Approved');
    assert.ok(approved.status.conditions[0].lastUpdateTime, 'condition times are filled in');
    assert.equal(csrCondition(approved), 'Approved');

    // Denying an approved request is refused: the two are mutually exclusive.
    const deny = await api('/alice/approval', { method: 'PUT', body: JSON.stringify({ ...approved, status: { conditions: [...approved.status.conditions, { type: 'Denied', status: 'True' }] } }) });
    assert.equal(deny.status, 422, await deny.clone().text());
    assert.match((await deny.json()).message, /Approved and Denied conditions are mutually exclusive/);

    // The signer writes the certificate through /status; /status may not touch approval.
    const cert = b64(await selfSignedPem());
    const issued = await api('/alice/status', { method: 'PUT', body: JSON.stringify({ ...approved, status: { ...approved.status, certificate: cert } }) });
    assert.equal(issued.status, 200);
    const withCert = await issued.json();
    assert.equal(csrCondition(withCert), 'Approved,Issued');
    const bad = await api('/alice/status', { method: 'PUT', body: JSON.stringify({ ...withCert, status: { conditions: [] } }) });
    assert.equal(bad.status, 422);
    assert.match((await bad.json()).message, /updates may not remove a condition of type "Approved"/);

    // Admission (CertificateSubjectRestriction): no kube-apiserver-client certificate for system:masters.
    const masters = await api('', { method: 'POST', body: JSON.stringify(csr('eve', await newCSRPem('eve, O=system:masters'), { signerName: 'kubernetes.io/kube-apiserver-client' })) });
    assert.equal(masters.status, 403);
  });

  it('round-trips through protobuf, extra attributes as plain lists', () => {
    const o = { ...csr('a', pem, { username: 'alice', groups: ['g'], extra: { scopes: ['a', 'b'] }, expirationSeconds: 600 }), status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }], certificate: b64('x') } };
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(o)).object, o);
  });
});
