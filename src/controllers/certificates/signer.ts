import type { KubeObject } from '../../api/resource.js';
import { decodePEM } from '../../api/certificates/pkcs10.js';
import { hasTrueCondition } from '../../api/certificates/csr.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { CertAndKey } from '../../api/certificates/pki.js';
import { Resources, type Client } from '../../client/types.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { rfc3339 } from '../../apimachinery/time.js';
import { log } from '../../util/log.js';
import { untilAborted } from '../../util/abort.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { CLUSTER_SIGNING_DURATION_MS, SIGNERS, signerRefusal, signingDurationMs, signingTemplate } from './policy.js';

export interface CSRSigningOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** --cluster-signing-cert-file and --cluster-signing-key-file: the CA that signs (the cluster CA) */
  ca?: CertAndKey;
  /** --cluster-signing-duration (default one year) */
  signingDurationMs?: number;
}

interface Condition { type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string }

/**
 * CSRSigningController is kube-controller-manager's csrsigning: it signs approved
 * CertificateSigningRequests for the kubernetes.io signers with the cluster CA and writes the
 * certificate into status.certificate, or marks a request its signer refuses Failed
 * (SignerValidationFailure). Requests denied, failed, already signed or for other signers are left
 * alone. Keys are the requests' names.
 */
export class CSRSigningController implements Controller {
  readonly name = 'csrsigning';
  private readonly queue: WorkQueue<string>;
  private readonly csrs: Informer;
  private readonly logger = log.child({ component: 'csrsigning' });

  constructor(private readonly o: CSRSigningOptions) {
    this.queue = new WorkQueue<string>(o.clock, { name: 'certificate' });
    this.csrs = o.informers.informerFor(Resources.certificatesigningrequests);
    const enqueue = (csr: KubeObject) => { if (this.wants(csr)) this.queue.add(csr.metadata!.name!); };
    this.csrs.addEventHandler({ add: enqueue, update: (_old, csr) => enqueue(csr) });
  }

  /** wants: approved, neither failed nor signed yet, for a signer this controller signs for. */
  private wants(csr: KubeObject): boolean {
    const spec = csr.spec as { signerName?: string } | undefined;
    return SIGNERS.has(spec?.signerName ?? '') && hasTrueCondition(csr, 'Approved') && !hasTrueCondition(csr, 'Denied') && !hasTrueCondition(csr, 'Failed')
      && !(csr.status as { certificate?: string } | undefined)?.certificate;
  }

  run(signal: AbortSignal, workers = 5): Promise<void> {
    if (!this.o.ca) {
      // as kube-controller-manager without --cluster-signing-cert-file; the run lasts as the others do
      this.logger.info('Skipping CSR signer controller: no cluster signing CA');
      return untilAborted(signal);
    }
    this.logger.info('Starting certificate controller', { name: 'csrsigning' });
    return runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: (s) => this.o.informers.waitForCacheSync(s), sync: (name) => this.sync(name) });
  }

  /** sync signs one request, or records why its signer refuses it. */
  async sync(name: string): Promise<void> {
    const cached = this.csrs.lister.get(undefined, name);
    if (!cached || !this.wants(cached)) return;
    const csr = structuredClone(cached) as KubeObject;
    const spec = csr.spec as { signerName: string; request?: string; usages?: string[]; expirationSeconds?: number };
    const pem = Buffer.from(spec.request ?? '', 'base64').toString('latin1');
    const block = decodePEM(pem).find((b) => b.type === 'CERTIFICATE REQUEST');
    // admission checked the request; one that still does not parse cannot be signed, ever
    if (!block) { this.logger.error(new Error('no CERTIFICATE REQUEST block'), 'unable to parse csr', { csr: name }); return; }
    // the X.509 modules load with the first request to sign, not with every start
    const { caNotAfter, readCertificateRequest, signRequest } = await import('../../api/certificates/pki.js');
    const request = readCertificateRequest(block.bytes);
    const usages = spec.usages ?? [];
    const status = (csr.status ?? {}) as { certificate?: string; conditions?: Condition[] };
    const refusal = signerRefusal(spec.signerName, request, usages);
    if (refusal) {
      const now = rfc3339(this.o.clock.now());
      status.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal, lastUpdateTime: now, lastTransitionTime: now }];
      csr.status = status;
      await this.updateStatus(csr);
      return;
    }
    const ca = this.o.ca!;
    const template = signingTemplate(usages, signingDurationMs(this.o.signingDurationMs ?? CLUSTER_SIGNING_DURATION_MS, spec.expirationSeconds), this.o.clock.now(), caNotAfter(ca));
    status.certificate = Buffer.from(signRequest(ca, request, template)).toString('base64');
    csr.status = status;
    await this.updateStatus(csr);
  }

  private async updateStatus(csr: KubeObject): Promise<void> {
    try {
      await this.o.client.updateStatus(Resources.certificatesigningrequests, undefined, csr);
    } catch (e) {
      // gone meanwhile: nothing to sign; a conflict comes back through the informer
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
