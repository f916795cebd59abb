/**
 * TokensController is kube-controller-manager's serviceaccount-token controller: a Secret of type
 * kubernetes.io/service-account-token that a user creates, naming a ServiceAccount in its
 * kubernetes.io/service-account.name annotation, is filled with a long-lived (legacy) token, the
 * cluster CA (ca.crt) and the namespace; the account's uid is recorded in
 * kubernetes.io/service-account.uid. A Secret whose account is gone (or was recreated with another
 * uid) is deleted, and deleting an account deletes its token Secrets. Keys are namespace/name of
 * Secrets.
 */
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type Client } from '../../client/types.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { keyOf, splitKey } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';

/** SERVICE_ACCOUNT_TOKEN_TYPE is the Secret type the controller fills. */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** SERVICE_ACCOUNT_NAME_KEY and SERVICE_ACCOUNT_UID_KEY are the annotations naming the account. */
export const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_KEY = 'kubernetes.io/service-account.uid';

/** LegacyTokenSigner signs a Secret-based token (the API server's key; see apiserver/serviceaccount). */
export type LegacyTokenSigner = (namespace: string, serviceAccount: { name: string; uid: string }, secretName: string) => string;

/** TokensControllerOptions: the API, the signer and the CA put in ca.crt. */
export interface TokensControllerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** absent: no signing key was given, and the controller does not run */
  sign?: LegacyTokenSigner;
  rootCA: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** TokensController fills and garbage-collects service account token Secrets. */
export class TokensController implements Controller {
  readonly name = 'serviceaccount-token';
  private readonly client: Client;
  private readonly informers: InformerFactory;
  private readonly secrets: Informer;
  private readonly accounts: Informer;
  private readonly queue: WorkQueue<string>;
  private readonly sign?: LegacyTokenSigner;
  private readonly rootCA: string;
  private readonly logger = log.child({ component: 'serviceaccount-token-controller' });

  constructor(o: TokensControllerOptions) {
    this.client = o.client;
    this.informers = o.informers;
    this.sign = o.sign;
    this.rootCA = o.rootCA;
    this.queue = new WorkQueue<string>(o.clock, { name: 'serviceaccount_tokens_service' });
    this.secrets = o.informers.informerFor(Resources.secrets);
    this.accounts = o.informers.informerFor(Resources.serviceaccounts);
    const enqueueSecret = (s: KubeObject) => { if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.queue.add(keyOf(s)); };
    this.secrets.addEventHandler({ add: enqueueSecret, update: (_o, s) => enqueueSecret(s) });
    // An account's change or deletion re-checks the token Secrets naming it.
    const enqueueAccount = (sa: KubeObject) => {
      const ns = sa.metadata?.namespace;
      for (const s of this.secrets.lister.list(ns, (x) => x.type === SERVICE_ACCOUNT_TOKEN_TYPE && x.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY] === sa.metadata?.name)) {
        this.queue.add(keyOf(s));
      }
    };
    this.accounts.addEventHandler({ add: enqueueAccount, update: (_o, sa) => enqueueAccount(sa), delete: enqueueAccount });
  }

  /** run works the queue until the signal aborts. */
  run(signal: AbortSignal, workers = 1): Promise<void> {
    if (!this.sign) {
      this.logger.info('Skipping the service account token controller: no signing key');
      return Promise.resolve();
    }
    return runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: (s) => this.informers.waitForCacheSync(s), sync: (k) => this.syncSecret(k) });
  }

  /** syncSecret fills a token Secret, or deletes it when its account is gone. */
  async syncSecret(key: string): Promise<void> {
    const { namespace: ns = '', name } = splitKey(key);
    const secret = this.secrets.lister.get(ns, name);
    if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata?.deletionTimestamp) return;
    const annotations = secret.metadata?.annotations ?? {};
    const saName = annotations[SERVICE_ACCOUNT_NAME_KEY] ?? '';
    const sa = this.accounts.lister.get(ns, saName);
    const wantedUID = annotations[SERVICE_ACCOUNT_UID_KEY];
    if (!sa || (wantedUID && sa.metadata?.uid !== wantedUID)) {
      // The account may be only missing from a stale cache: ask the API before deleting.
      const live = await this.client.get(Resources.serviceaccounts, ns, saName).catch((e) => { if (e instanceof StatusError && e.code === 404) return undefined; throw e; });
      if (!live || (wantedUID && live.metadata?.uid !== wantedUID)) {
        await this.client.delete(Resources.secrets, ns, name, { preconditions: { uid: secret.metadata?.uid } }).catch((e) => { if (!(e instanceof StatusError && e.code === 404)) throw e; });
      }
      return;
    }
    const data = (secret.data ?? {}) as Record<string, string>;
    const uid = sa.metadata!.uid!;
    if (data.token && data['ca.crt'] !== undefined && data.namespace && annotations[SERVICE_ACCOUNT_UID_KEY] === uid) return;
    const copy = structuredClone(secret) as KubeObject;
    const token = data.token ? Buffer.from(data.token, 'base64').toString() : this.sign!(ns, { name: saName, uid }, name);
    const updated: KubeObject = {
      ...copy, apiVersion: 'v1', kind: 'Secret',
      metadata: { ...copy.metadata, annotations: { ...annotations, [SERVICE_ACCOUNT_NAME_KEY]: saName, [SERVICE_ACCOUNT_UID_KEY]: uid } },
      data: { ...data, token: b64(token), 'ca.crt': b64(this.rootCA), namespace: b64(ns) },
    };
    this.logger.v(4).info('filled service account token secret', { secret: key, serviceAccount: saName });
    await this.client.update(Resources.secrets, ns, updated);
  }
}
