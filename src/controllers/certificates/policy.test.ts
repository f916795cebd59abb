import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateRequest } from '../../api/certificates/pki.js';
import { CLUSTER_SIGNING_DURATION_MS, signerRefusal, signingDurationMs, signingTemplate } from './policy.js';

const req = (o: Partial<CertificateRequest> = {}): CertificateRequest => ({
  subject: [] as unknown as CertificateRequest['subject'], commonName: 'system:node:host01', organizations: ['system:nodes'],
  dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [], publicKey: {} as CertificateRequest['publicKey'], ...o,
});

describe('signerRefusal', () => {
  const cases: [string, string, CertificateRequest, string[], string | undefined][] = [
    ['client: client auth', 'kubernetes.io/kube-apiserver-client', req({ commonName: 'jane', organizations: [] }), ['client auth'], undefined],
    ['client: with the optional usages', 'kubernetes.io/kube-apiserver-client', req(), ['digital signature', 'key encipherment', 'client auth'], undefined],
    ['client: server auth', 'kubernetes.io/kube-apiserver-client', req(), ['digital signature', 'server auth'], 'invalid usage for client certificate: server auth'],
    ['client: no client auth', 'kubernetes.io/kube-apiserver-client', req(), ['digital signature'], 'missing required usage for client certificate: client auth'],
    ['kubelet client', 'kubernetes.io/kube-apiserver-client-kubelet', req(), ['digital signature', 'key encipherment', 'client auth'], undefined],
    ['kubelet client without RSA usages', 'kubernetes.io/kube-apiserver-client-kubelet', req(), ['client auth', 'digital signature'], undefined],
    ['kubelet client: not system:nodes', 'kubernetes.io/kube-apiserver-client-kubelet', req({ organizations: ['devs'] }), ['client auth', 'digital signature'], 'subject organization is not system:nodes'],
    ['kubelet client: a DNS name', 'kubernetes.io/kube-apiserver-client-kubelet', req({ dnsNames: ['a'] }), ['client auth', 'digital signature'], 'DNS subjectAltNames are not allowed'],
    ['kubelet client: not a node', 'kubernetes.io/kube-apiserver-client-kubelet', req({ commonName: 'jane' }), ['client auth', 'digital signature'], 'subject common name does not begin with system:node:'],
    ['kubelet client: usages', 'kubernetes.io/kube-apiserver-client-kubelet', req(), ['client auth'], 'usages did not match [client auth digital signature key encipherment]'],
    ['kubelet serving', 'kubernetes.io/kubelet-serving', req({ ipAddresses: ['10.0.0.1'] }), ['digital signature', 'key encipherment', 'server auth'], undefined],
    ['kubelet serving: no address', 'kubernetes.io/kubelet-serving', req(), ['digital signature', 'server auth'], 'DNS or IP subjectAltName is required'],
    ['kubelet serving: usages', 'kubernetes.io/kubelet-serving', req({ dnsNames: ['host01'] }), ['server auth', 'client auth'], 'usages did not match [digital signature key encipherment server auth]'],
    ['legacy-unknown: anything', 'kubernetes.io/legacy-unknown', req({ organizations: [] }), ['any'], undefined],
    ['another signer', 'example.com/signer', req(), ['client auth'], 'unrecognized signerName: "example.com/signer"'],
  ];
  for (const [name, signer, r, usages, want] of cases) it(name, () => assert.equal(signerRefusal(signer, r, usages), want));
});

describe('signingDurationMs', () => {
  it('is the cluster\'s duration without expirationSeconds, the request\'s within [10 minutes, that] with it', () => {
    assert.equal(signingDurationMs(CLUSTER_SIGNING_DURATION_MS, undefined), CLUSTER_SIGNING_DURATION_MS);
    assert.equal(signingDurationMs(CLUSTER_SIGNING_DURATION_MS, 86_400), 86_400_000);
    assert.equal(signingDurationMs(CLUSTER_SIGNING_DURATION_MS, 60), 600_000);
    assert.equal(signingDurationMs(3_600_000, 86_400), 3_600_000);
  });
});

describe('signingTemplate', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const caEnd = new Date('2036-11-29T12:00:00Z');
  it('maps usages to key usage bits and extended usages in Go\'s order, without duplicates', () => {
    const t = signingTemplate(['client auth', 'key encipherment', 'server auth', 'digital signature', 'signing'], 86_400_000, now, caEnd);
    assert.equal(t.keyUsage, 1 | 4);
    assert.deepEqual(t.extendedKeyUsages, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });
  it('backdates five minutes; a long-lived certificate ends five minutes early, a short-lived one does not', () => {
    const long = signingTemplate(['client auth'], 86_400_000, now, caEnd);
    assert.deepEqual([long.notBefore.toISOString(), long.notAfter.toISOString()], ['2026-11-29T11:55:00.000Z', '2026-11-30T11:55:00.000Z']);
    const short = signingTemplate(['client auth'], 3_600_000, now, caEnd);
    assert.deepEqual([short.notBefore.toISOString(), short.notAfter.toISOString()], ['2026-11-29T11:55:00.000Z', '2026-11-29T13:00:00.000Z']);
  });
  it('never outlives the CA, and refuses once the CA has expired', () => {
    assert.equal(signingTemplate(['client auth'], CLUSTER_SIGNING_DURATION_MS, now, new Date('2027-01-01T00:00:00Z')).notAfter.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.throws(() => signingTemplate(['client auth'], 86_400_000, now, new Date('2026-11-29T00:00:00Z')), /expired in the past/);
  });
  it('refuses a usage with no X.509 meaning', () => {
    assert.throws(() => signingTemplate(['teleport'], 86_400_000, now, caEnd), /unrecognized usage: teleport/);
  });
});
