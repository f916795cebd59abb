/**
 * The admission contract (k8s.io/apiserver/pkg/admission): every admission plugin tskube runs —
 * built-in ones (Priority, LimitRanger, ResourceQuota, DefaultStorageClass, ServiceIPs …) and the
 * dynamic ones (webhooks, ValidatingAdmissionPolicy) — sees a request through AdmissionAttributes
 * and takes part in the one chain (chain.ts): every mutating plugin in order, then every validating
 * plugin, as kube-apiserver runs them.
 */
import type { KubeObject, ResourceDefinition } from '../api/resource.js';

/** Operation is admission.Operation. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** AdmissionUser is the requester (user.Info): what webhooks receive as userInfo. */
export interface AdmissionUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** AdmissionAttributes is admission.Attributes: one request as the admission chain sees it. */
export interface AdmissionAttributes {
  operation: Operation;
  /** the resource's definition (group, version, plural, kind, namespaced, strategy) */
  def: ResourceDefinition;
  /** '' or 'status', 'scale', 'ephemeralcontainers', 'binding', 'eviction' … */
  subresource: string;
  /** the request's namespace ('' for cluster-scoped resources) */
  namespace: string;
  /** the object's name ('' on a create with generateName before a name is chosen) */
  name: string;
  /** the new object (CREATE/UPDATE; the options object for CONNECT); mutating plugins change it in place */
  object?: KubeObject;
  /** the stored object (UPDATE/DELETE) */
  oldObject?: KubeObject;
  /** CreateOptions/UpdateOptions/PatchOptions/DeleteOptions as sent (for webhooks' request.options) */
  options?: Record<string, unknown>;
  userInfo: AdmissionUser;
  dryRun: boolean;
  /** the response's Warning headers: plugins (webhooks, Warn policies) push theirs here */
  warnings?: string[];
}

/** Revert undoes what a plugin did (an allocation) when the object is not written after all. */
export type Revert = () => Promise<void>;

/**
 * AdmissionPlugin is one admission controller. `admit` (MutationInterface) may change
 * `attrs.object`; `validate` (ValidationInterface) may only refuse. Either throws a StatusError
 * (usually 403 Forbidden or 422 Invalid) to refuse the request.
 */
export interface AdmissionPlugin {
  /** the plugin's name as kube-apiserver's --enable-admission-plugins knows it */
  readonly name: string;
  /** handles says whether the plugin takes part in an operation at all */
  handles(operation: Operation): boolean;
  admit?(attrs: AdmissionAttributes): Promise<Revert | void>;
  validate?(attrs: AdmissionAttributes): Promise<void>;
}
