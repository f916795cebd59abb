/**
 * The front proxy's credentials (kube-apiserver's --requestheader-client-ca-file and
 * --proxy-client-cert-file, as kubeadm makes front-proxy-ca and front-proxy-client): the
 * aggregator presents the client certificate to extension servers, and publishes the CA and the
 * request header names in kube-system/extension-apiserver-authentication (the
 * ClusterAuthenticationTrustController's ConfigMap), where extension servers read whom to trust for
 * X-Remote-User. The CA lives as long as the API server process: each start publishes its own.
 */
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';

const logger = log.child({ component: 'aggregator' });

/** FrontProxyCredentials: the CA extension servers trust, and the client certificate signed by it. */
export interface FrontProxyCredentials { caCert: string; cert: string; key: string }

/** FRONT_PROXY_CLIENT is the client certificate's common name, the one allowed name. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

/** newFrontProxyCredentials makes front-proxy-ca and a front-proxy-client certificate (ECDSA P-256, clientAuth). */
export async function newFrontProxyCredentials(): Promise<FrontProxyCredentials> {
  const { newCA, newSignedCert } = await import('../../api/certificates/pki.js');
  const ca = newCA('front-proxy-ca');
  const client = newSignedCert(ca, { commonName: FRONT_PROXY_CLIENT, usage: 'clientAuth' });
  return { caCert: ca.cert, cert: client.cert, key: client.key };
}

/** AUTHENTICATION_CONFIGMAP is where extension servers read the front proxy's trust. */
export const AUTHENTICATION_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' } as const;

/** authenticationConfigMapData is the ConfigMap's data for the front proxy's CA and header names. */
export function authenticationConfigMapData(caCert: string): Record<string, string> {
  return {
    'requestheader-allowed-names': JSON.stringify([FRONT_PROXY_CLIENT]),
    'requestheader-client-ca-file': caCert,
    'requestheader-extra-headers-prefix': JSON.stringify(['X-Remote-Extra-']),
    'requestheader-group-headers': JSON.stringify(['X-Remote-Group']),
    'requestheader-username-headers': JSON.stringify(['X-Remote-User']),
  };
}

/** ConfigMapStore is the part of the configmaps store the publisher uses. */
export interface ConfigMapStore {
  get(namespace: string, name: string): Promise<KubeObject>;
  create(namespace: string, obj: KubeObject): Promise<KubeObject>;
  update(namespace: string, name: string, obj: KubeObject): Promise<KubeObject>;
}

/**
 * publishAuthentication writes the ConfigMap (creating or updating it), retrying each second
 * until it succeeds: kube-system appears only once the cluster is bootstrapped.
 */
export async function publishAuthentication(store: () => ConfigMapStore, caCert: string, clock: Clock, signal: AbortSignal): Promise<void> {
  const { namespace, name } = AUTHENTICATION_CONFIGMAP;
  const data = authenticationConfigMapData(caCert);
  while (!signal.aborted) {
    try {
      const s = store();
      let cur: KubeObject | undefined;
      try {
        cur = await s.get(namespace, name);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
      if (cur) await s.update(namespace, name, { ...cur, data: { ...(cur.data as Record<string, string> | undefined), ...data } });
      else await s.create(namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
      return;
    } catch (e) {
      logger.v(4).info('publishing extension-apiserver-authentication failed; retrying', { err: String(e) });
    }
    try {
      await clock.sleep(1000, signal);
    } catch {
      return;
    }
  }
}
