/**
 * AdmissionChain runs the admission plugins as kube-apiserver's admission chain does
 * (k8s.io/apiserver/pkg/admission/chain.go): every mutating step in order, then every validating
 * step in order. tskube's plugins may allocate (Service IPs, quota); what they hand back undoes that
 * when a later step refuses the request, or when the store does not write the object after all.
 */
import type { AdmissionAttributes, AdmissionPlugin, Revert } from './interfaces.js';
import { log } from '../util/log.js';

const logger = log.child({ component: 'admission' });

/** AdmissionInterface is what the registry store calls: mutate (admit) and validate a request. */
export interface AdmissionInterface {
  /** admit runs every mutating plugin; the returned revert undoes their side effects */
  admit(attrs: AdmissionAttributes): Promise<Revert | void>;
  /** validate runs every validating plugin; any may refuse */
  validate(attrs: AdmissionAttributes): Promise<void>;
}

/** AdmissionChain is the ordered list of plugins (plugins/index.ts gives Kubernetes' order). */
export class AdmissionChain implements AdmissionInterface {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  /**
   * admit runs each plugin's `admit` in order. When one refuses, what the earlier ones did is
   * undone (newest first) before the refusal goes back to the caller.
   */
  async admit(attrs: AdmissionAttributes): Promise<Revert | void> {
    const reverts: Revert[] = [];
    const undo = async (): Promise<void> => {
      for (const r of reverts.splice(0).reverse()) {
        try {
          await r();
        } catch (e) {
          // One failing revert must not keep the others from releasing what they hold.
          logger.error(e, 'admission revert failed', { operation: attrs.operation, resource: attrs.def.plural, name: attrs.name });
        }
      }
    };
    for (const p of this.plugins) {
      if (!p.admit || !p.handles(attrs.operation)) continue;
      try {
        const r = await p.admit(attrs);
        if (r) reverts.push(r);
      } catch (e) {
        await undo();
        throw e;
      }
    }
    if (reverts.length === 0) return;
    return undo;
  }

  /** validate runs each plugin's `validate` in order; the first refusal ends the request. */
  async validate(attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) {
      if (!p.validate || !p.handles(attrs.operation)) continue;
      await p.validate(attrs);
    }
  }
}
