/**
 * apiextensions.k8s.io/v1 types: CustomResourceDefinition and the JSON schema its versions carry,
 * as they travel on the wire (JSON), with the condition helpers kube-apiextensions-server uses.
 */
import type { KubeObject } from '../resource.js';

/** GROUP is the API group of CustomResourceDefinitions. */
export const GROUP = 'apiextensions.k8s.io';
/** CUSTOM_RESOURCE_CLEANUP_FINALIZER holds a deleted CRD until every object of it is gone. */
export const CUSTOM_RESOURCE_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** ValidationRule is one x-kubernetes-validations entry (a CEL rule). */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** JSONSchemaProps is an openAPIV3Schema node (JSON-Schema draft 4 with Kubernetes' extensions). */
export interface JSONSchemaProps {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: unknown;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  /** a schema, or (not supported by Kubernetes) an array of schemas */
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  patternProperties?: Record<string, JSONSchemaProps>;
  dependencies?: Record<string, JSONSchemaProps | string[]>;
  additionalItems?: JSONSchemaProps | boolean;
  definitions?: Record<string, JSONSchemaProps>;
  externalDocs?: { description?: string; url?: string };
  example?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
}

/** CustomResourceColumnDefinition is one additionalPrinterColumns entry. */
export interface CustomResourceColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** CustomResourceSubresourceScale says where a scale subresource finds replicas and the selector. */
export interface CustomResourceSubresourceScale {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** CustomResourceSubresources: status and scale. */
export interface CustomResourceSubresources {
  status?: Record<string, never>;
  scale?: CustomResourceSubresourceScale;
}

/** CustomResourceValidation wraps a version's schema. */
export interface CustomResourceValidation { openAPIV3Schema?: JSONSchemaProps }

/** SelectableField is a field usable in field selectors. */
export interface SelectableField { jsonPath: string }

/** CustomResourceDefinitionVersion is one version of a CRD. */
export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: CustomResourceValidation;
  subresources?: CustomResourceSubresources;
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: SelectableField[];
}

/** CustomResourceDefinitionNames: plural, singular, kind, listKind, shortNames, categories. */
export interface CustomResourceDefinitionNames {
  plural: string;
  singular?: string;
  shortNames?: string[];
  kind: string;
  listKind?: string;
  categories?: string[];
}

/** WebhookClientConfig of a conversion webhook. */
export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

/** CustomResourceConversion: None or Webhook. */
export interface CustomResourceConversion {
  strategy: string;
  webhook?: { clientConfig?: WebhookClientConfig; conversionReviewVersions?: string[] };
}

/** CustomResourceDefinitionSpec. */
export interface CustomResourceDefinitionSpec {
  group: string;
  names: CustomResourceDefinitionNames;
  scope: string;
  versions: CustomResourceDefinitionVersion[];
  conversion?: CustomResourceConversion;
  preserveUnknownFields?: boolean;
}

/** ConditionType of a CRD. */
export type CRDConditionType = 'Established' | 'NamesAccepted' | 'NonStructuralSchema' | 'Terminating' | 'KubernetesAPIApprovalPolicyConformant';

/** CustomResourceDefinitionCondition. */
export interface CustomResourceDefinitionCondition {
  type: CRDConditionType | string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** CustomResourceDefinitionStatus. */
export interface CustomResourceDefinitionStatus {
  conditions?: CustomResourceDefinitionCondition[];
  acceptedNames: CustomResourceDefinitionNames;
  storedVersions: string[];
}

/** CustomResourceDefinition as stored and served. */
export interface CustomResourceDefinition extends KubeObject {
  spec: CustomResourceDefinitionSpec;
  status?: CustomResourceDefinitionStatus;
}

/** findCondition returns the condition of a type, if any. */
export function findCondition(crd: CustomResourceDefinition, type: string): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/** isConditionTrue tells whether a condition is present with status True. */
export function isConditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return findCondition(crd, type)?.status === 'True';
}

/**
 * setCondition sets a condition as apiextensions' SetCRDCondition does: lastTransitionTime moves
 * only when the status changes; reason and message are always taken from the new condition.
 */
export function setCondition(crd: CustomResourceDefinition, cond: CustomResourceDefinitionCondition, now: string): void {
  const status = (crd.status ??= { acceptedNames: { plural: '', kind: '' }, storedVersions: [] });
  const conds = (status.conditions ??= []);
  const i = conds.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    conds.push({ ...cond, lastTransitionTime: cond.lastTransitionTime ?? now });
    return;
  }
  const old = conds[i];
  conds[i] = {
    type: cond.type, status: cond.status,
    lastTransitionTime: old.status !== cond.status ? (cond.lastTransitionTime ?? now) : old.lastTransitionTime,
    reason: cond.reason, message: cond.message,
  };
  if (conds[i].reason === undefined) delete conds[i].reason;
  if (conds[i].message === undefined) delete conds[i].message;
}

/** isConditionEquivalent compares type, status, reason and message (not the time). */
export function isConditionEquivalent(a: CustomResourceDefinitionCondition | undefined, b: CustomResourceDefinitionCondition | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '');
}

/** storageVersion returns the name of the version marked storage. */
export function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  return crd.spec.versions?.find((v) => v.storage)?.name;
}

/** schemaForVersion returns a version's openAPIV3Schema (v1 keeps them per version). */
export function schemaForVersion(crd: CustomResourceDefinition, version: string): JSONSchemaProps | undefined {
  return crd.spec.versions?.find((v) => v.name === version)?.schema?.openAPIV3Schema;
}

/** subresourcesForVersion returns a version's subresources. */
export function subresourcesForVersion(crd: CustomResourceDefinition, version: string): CustomResourceSubresources | undefined {
  return crd.spec.versions?.find((v) => v.name === version)?.subresources;
}
