import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '../../testing/x509.js';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { CertificateSubjectRestriction, organizationsOf } from './certificates.js';

const CSRS = { group: 'certificates.k8s.io', plural: 'certificatesigningrequests' } as ResourceDefinition;

async function requestFor(subject: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: alg })).toString('pem');
}

const csr = (pem: string, signerName: string): KubeObject => ({ metadata: { name: 'c' }, spec: { request: Buffer.from(pem).toString('base64'), signerName, usages: ['client auth'] } });
const validate = (obj: KubeObject) => new CertificateSubjectRestriction().validate({
  operation: 'CREATE', def: CSRS, subresource: '', namespace: '', name: 'c', object: obj, userInfo: { name: 'u', groups: [] }, dryRun: false,
} as never);

describe('CertificateSubjectRestriction', () => {
  it('refuses a kube-apiserver-client request for system:masters, with Kubernetes\' message', async () => {
    const masters = await requestFor('CN=eve, O=devs, O=system:masters');
    assert.deepEqual(await organizationsOf(masters), ['devs', 'system:masters']);
    await assert.rejects(validate(csr(masters, 'kubernetes.io/kube-apiserver-client')), (e: { code?: number; message?: string }) =>
      e.code === 403 && e.message === 'certificatesigningrequests.certificates.k8s.io "c" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  });

  it('refuses a request that does not parse, saying why', async () => {
    await assert.rejects(validate(csr('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'kubernetes.io/kube-apiserver-client')), (e: { code?: number; message?: string }) =>
      e.code === 403 && e.message === 'certificatesigningrequests.certificates.k8s.io "c" is forbidden: failed to parse CSR: PEM block type must be CERTIFICATE REQUEST');
  });

  it('lets other groups and other signers through', async () => {
    await validate(csr(await requestFor('CN=alice, O=devs'), 'kubernetes.io/kube-apiserver-client'));
    await validate(csr(await requestFor('CN=eve, O=system:masters'), 'example.com/signer'));
  });
});
