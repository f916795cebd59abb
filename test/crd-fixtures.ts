// Custom resource fixtures for the e2e tests: a CustomResourceDefinition serving one version (v1)
// and objects of its kind, as YAML for `kubectl apply -f -`.
import YAML from 'yaml';

/** CRDFixture is what differs between the tests' CRDs; the rest of the manifest is the same. */
export interface CRDFixture {
  group: string;
  scope?: 'Namespaced' | 'Cluster';
  names: { plural: string; singular: string; kind: string; shortNames?: string[]; categories?: string[] };
  /** v1's openAPIV3Schema */
  schema: Record<string, unknown>;
  subresources?: Record<string, unknown>;
  additionalPrinterColumns?: Record<string, unknown>[];
}

/** crdYAML is the CRD `<plural>.<group>` serving and storing v1 (Namespaced unless said). */
export function crdYAML(f: CRDFixture): string {
  return YAML.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${f.names.plural}.${f.group}` },
    spec: {
      group: f.group,
      scope: f.scope ?? 'Namespaced',
      names: f.names,
      versions: [{
        name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: f.schema },
        subresources: f.subresources, additionalPrinterColumns: f.additionalPrinterColumns,
      }],
    },
  });
}

/** customResourceYAML is an object of a CRD's kind; `spec` is its spec's YAML lines, indented two spaces. */
export function customResourceYAML(apiVersion: string, kind: string, name: string, spec: string): string {
  return `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${name}
spec:
${spec}`;
}
