import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, webcrypto } from 'node:crypto';
import type { KubeObject } from '../../api/resource.js';
import { newCA } from '../../api/certificates/pki.js';
import * as x509 from '../../testing/x509.js';
import { Resources } from '../../client/types.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { CSRSigningController } from './signer.js';

const NOW = new Date('2026-11-29T12:00:00Z');

async function csr(name: string, signerName: string, usages: string[], subject = `CN=${name}`): Promise<KubeObject> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: alg });
  return {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
    spec: { request: Buffer.from(req.toString('pem')).toString('base64'), signerName, usages },
  };
}

describe('csrsigning', () => {
  let tc: TestCluster;
  const ac = new AbortController();
  let running: Promise<void>;
  const ca = newCA('tskube-ca');
  before(async () => {
    tc = await startTestCluster();
    const signer = new CSRSigningController({ client: tc.client, informers: tc.informers, clock: new FakeClock(NOW), ca });
    await tc.start();
    running = signer.run(ac.signal, 2);
  });
  after(async () => {
    ac.abort();
    await running;
    await tc.close();
  });

  const create = async (o: KubeObject) => tc.client.create(Resources.certificatesigningrequests, undefined, o);
  const decide = async (name: string, type: 'Approved' | 'Denied') => {
    const cur = await tc.client.get(Resources.certificatesigningrequests, undefined, name);
    cur.status = { conditions: [{ type, status: 'True', reason: 'Test', message: 'decided by the test' }] };
    await tc.client.replaceSubresource(Resources.certificatesigningrequests, undefined, name, 'approval', cur);
  };
  const get = (name: string) => tc.client.get(Resources.certificatesigningrequests, undefined, name) as Promise<KubeObject & { status?: { certificate?: string; conditions?: { type: string; reason: string; message: string }[] } }>;

  it('signs an approved request with the CA, for the cluster\'s signing duration (the controller\'s clock)', async () => {
    await create(await csr('jane', 'kubernetes.io/kube-apiserver-client', ['client auth'], 'CN=jane, O=devs'));
    await decide('jane', 'Approved');
    const signed = await eventually(async () => { const c = await get('jane'); assert.ok(c.status?.certificate); return c; });
    const cert = new X509Certificate(Buffer.from(signed.status!.certificate!, 'base64'));
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
    assert.equal(cert.subject, 'CN=jane\nO=devs');
    assert.deepEqual([cert.validFrom, cert.validTo], ['Nov 29 11:55:00 2026 GMT', 'Nov 29 11:55:00 2027 GMT'], 'one year, backdated five minutes');
  });

  it('marks a request its signer refuses Failed, and signs nothing', async () => {
    await create(await csr('node-ish', 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth']));
    await decide('node-ish', 'Approved');
    const failed = await eventually(async () => { const c = await get('node-ish'); assert.equal(c.status?.conditions?.length, 2); return c; });
    assert.deepEqual(failed.status!.conditions!.map((x) => [x.type, x.reason, x.message]), [
      ['Approved', 'Test', 'decided by the test'], ['Failed', 'SignerValidationFailure', 'subject organization is not system:nodes'],
    ]);
    assert.equal(failed.status!.certificate, undefined);
  });

  it('leaves pending, denied and other signers\' requests alone', async () => {
    await create(await csr('pending', 'kubernetes.io/kube-apiserver-client', ['client auth']));
    await create(await csr('denied', 'kubernetes.io/kube-apiserver-client', ['client auth']));
    await decide('denied', 'Denied');
    await create(await csr('other', 'example.com/signer', ['client auth']));
    await decide('other', 'Approved');
    // a request signed after these shows the queue has passed them
    await create(await csr('marker', 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth'], 'CN=system:node:host01, O=system:nodes'));
    await decide('marker', 'Approved');
    await eventually(async () => assert.ok((await get('marker')).status?.certificate));
    for (const name of ['pending', 'denied', 'other']) {
      const c = await get(name);
      assert.equal(c.status?.certificate, undefined, name);
      assert.ok(!c.status?.conditions?.some((x) => x.type === 'Failed'), name);
    }
  });
});

it('without a CA the controller signs nothing and runs until stopped (the controller-manager\'s health is the race of its runs)', async () => {
  const tc = await startTestCluster();
  try {
    const ac = new AbortController();
    let ended = false;
    const run = new CSRSigningController({ client: tc.client, informers: tc.informers, clock: new FakeClock(NOW) }).run(ac.signal).then(() => { ended = true; });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ended, false);
    ac.abort();
    await run;
    assert.equal(ended, true);
  } finally {
    await tc.close();
  }
});
