import type { RegistryStore } from '../registry/store.js';
import { podRefs, type NodeGraph, type PodLike, type PodRefs } from './authz.js';

/**
 * storeNodeGraph answers the node authorizer's questions from the API server's own stores. Where
 * Kubernetes keeps an in-memory graph fed by informers, tskube reads the pods bound to the node
 * when a node asks for a secret, configmap or claim: the answers are always current, and a node
 * agent asks rarely enough (once per pod sync) for the read to be cheap.
 */
export function storeNodeGraph(pods: () => RegistryStore, claims: () => RegistryStore): NodeGraph {
  return {
    async pod(namespace: string, name: string): Promise<PodRefs | undefined> {
      try {
        return podRefs(await pods().get(namespace, name) as PodLike);
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
    async podsOnNode(nodeName: string, namespace?: string): Promise<PodRefs[]> {
      const list = await pods().list(namespace || undefined, { fieldSelector: `spec.nodeName=${nodeName}` });
      return list.items.map((p) => podRefs(p as PodLike));
    },
    async claimVolume(namespace: string, claim: string): Promise<string | undefined> {
      try {
        const pvc = await claims().get(namespace, claim);
        return (pvc.spec as { volumeName?: string } | undefined)?.volumeName || undefined;
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
  };
}
