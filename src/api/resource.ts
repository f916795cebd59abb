import type { FieldError } from '../apimachinery/errors.js';

/** KubeObject is any API object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string; kind: string; name: string; uid: string;
  controller?: boolean; blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** TableColumn is one column of the server-side Table (`kubectl get`). priority 1 = only with -o wide. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
}

/** TablePrinter renders one kind's rows; `cells` has one entry per column (all columns, wide ones too). */
export interface TablePrinter {
  columns: TableColumn[];
  /** cells for one object; `now` is injected so AGE-like cells can be tested */
  cells(obj: KubeObject, now: Date): unknown[];
}

/** Context handed to strategy hooks. */
export interface StrategyContext {
  /** current time, injectable */
  now: Date;
  /** admission settings of this API server (kube-apiserver flags); absent = Kubernetes' defaults */
  admission?: AdmissionConfig;
  /** the requesting user on create (CertificateSigningRequests record it); absent for the API server's own writes */
  user?: { name: string; groups: string[]; uid?: string; extra?: Record<string, string[]> };
}

/** AdmissionConfig is the kube-apiserver admission flags tskube supports. */
export interface AdmissionConfig {
  /** --default-not-ready-toleration-seconds (300) */
  defaultNotReadyTolerationSeconds?: number;
  /** --default-unreachable-toleration-seconds (300) */
  defaultUnreachableTolerationSeconds?: number;
}

/**
 * ResourceStrategy is the per-resource policy the generic registry store calls (Kubernetes'
 * RESTCreateStrategy/RESTUpdateStrategy). Order on create: default → prepareForCreate → validate.
 * Order on update: default → prepareForUpdate(new, old) → validateUpdate(new, old).
 * default/prepare* mutate their argument in place; validate* only read.
 */
export interface ResourceStrategy {
  /** default fills defaults as Kubernetes' defaulters do (restartPolicy Always, ...) */
  default?(obj: KubeObject): void;
  /** prepareForCreate clears status where Kubernetes does, sets generation 1, ... */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** prepareForUpdate keeps status from old (main resource) or spec from old (status subresource), bumps generation on spec change */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** validate returns field errors for a new object (metadata is validated by the generic store) */
  validate?(obj: KubeObject): FieldError[];
  /** validateUpdate returns field errors for an update (immutable fields ...) */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** prepareForDelete runs once when a deletion starts (no deletionTimestamp yet); it may add finalizers and conditions */
  prepareForDelete?(obj: KubeObject, ctx: StrategyContext): void;
}

/** ResourceDefinition describes one served resource: everything discovery, routing, the registry and the printers need. */
export interface ResourceDefinition {
  group: string;           // '' for core
  version: string;         // 'v1', 'v2'
  kind: string;            // 'Pod'
  plural: string;          // 'pods'
  singular: string;        // 'pod'
  namespaced: boolean;
  shortNames: string[];
  categories: string[];    // ['all'] for kubectl get all
  verbs: string[];         // discovery verbs
  /** subresources served: 'status', 'scale', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction' */
  subresources: string[];
  strategy: ResourceStrategy;
  /** status subresource strategy (defaults: keep spec/metadata from old, take status from new) */
  statusStrategy?: ResourceStrategy;
  /** strategies of other subresources written through the same store (pods/ephemeralcontainers): only their own hooks run */
  subresourceStrategies?: Record<string, ResourceStrategy>;
  table?: TablePrinter;
  /** field selectors beyond metadata.name/metadata.namespace: name → value getter */
  selectableFields?: Record<string, (obj: KubeObject) => string | undefined>;
  /** the storage version when several versions share one store (autoscaling v1/v2): objects are converted */
  storageVersion?: string;
  /** convert turns an object of this resource into another served version (needed with storageVersion) */
  convert?: (obj: KubeObject, toVersion: string) => KubeObject;
  /**
   * convertAsync, when set, is used instead of convert: a conversion that calls out (a CRD's
   * conversion webhook). It converts every object not already in toVersion, in one call.
   */
  convertAsync?: (objs: KubeObject[], toVersion: string) => Promise<KubeObject[]>;
  /** scale subresource: where replicas live (spec.replicas) and how to read the selector for status */
  scale?: { specReplicasPath: string[]; statusReplicasPath: string[]; labelSelectorPath?: string[] };
  /** defaultOnRead fills defaults into an object read from storage (custom resources: schema defaults added later show up) */
  defaultOnRead?: (obj: KubeObject) => void;
  /** customResource is set on resources served from a CustomResourceDefinition */
  customResource?: CustomResourceHooks;
}

/** CustomResourceHooks are what the handlers do differently for a custom resource (kube-apiextensions-server's codec and OpenAPI builder). */
export interface CustomResourceHooks {
  /** crdName is the name of the CustomResourceDefinition serving it */
  crdName: string;
  /**
   * coerceRequest decodes a request body (or a patched object) as the CRD's decoder does: unknown
   * fields pruned (their paths returned for strict field validation), metadata decoded as ObjectMeta
   * (error: Go's decoding message), non-nullable nulls dropped
   */
  coerceRequest(obj: KubeObject): { unknownFields: string[]; error?: string };
  /** openapi returns this kind's definition names and schemas for the OpenAPI v2 or v3 document */
  openapi(dialect: 'v2' | 'v3'): { kind: string; list: string; schemas: Record<string, unknown> };
}
