/**
 * Generates src/apimachinery/protobuf/generated/wire-table.json: for every Kubernetes message the
 * API server may receive, its fields by number (JSON name, wire type, repeated/map). Only these
 * wire facts are kept (no .proto text, no comments).
 * Usage: node --import tsx scripts/gen-proto-table.ts DIR   (DIR holds k8s.io/api/...,
 * k8s.io/apimachinery/... and k8s.io/kube-aggregator/... generated.proto files, e.g. from the
 * kubernetes/api, kubernetes/apimachinery and kubernetes/kube-aggregator repositories)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: gen-proto-table.ts DIR');
const files = [
  'core/v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'coordination/v1', 'policy/v1', 'scheduling/v1', 'storage/v1', 'events/v1',
  'authorization/v1', 'authentication/v1', 'node/v1', 'rbac/v1', 'admissionregistration/v1', 'discovery/v1',
  'certificates/v1', 'networking/v1',
].map((p) => `k8s.io/api/${p}/generated.proto`).concat(
  // kube-aggregator's APIService (from the kubernetes/kube-aggregator repository)
  'k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/generated.proto',
);
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(dir, target);
root.loadSync(files, { keepCase: true });
root.resolveAll();

type FieldRow = [string, string, 0 | 1, string?];
/** Fields whose JSON name really is capitalised (Go struct tags `json:"Port"`, FieldsV1's raw bytes). */
const CAPITALISED_JSON = new Set(['k8s.io.api.core.v1.DaemonEndpoint.Port', 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1.Raw']);
/** jsonName: a few .proto fields keep the Go field name (admissionregistration's Webhooks, Expression …); JSON's is lowerCamel. */
function jsonName(message: string, field: string): string {
  if (CAPITALISED_JSON.has(`${message}.${field}`) || !/^[A-Z]/.test(field)) return field;
  return field[0].toLowerCase() + field.slice(1);
}
const table: Record<string, Record<string, FieldRow>> = {};
function visit(ns: protobuf.NamespaceBase): void {
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type) {
      const fields: Record<string, FieldRow> = {};
      for (const f of obj.fieldsArray) {
        const type = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
        const row: FieldRow = [jsonName(obj.fullName.slice(1), f.name), type, f.repeated ? 1 : 0];
        if (f instanceof protobuf.MapField) row[3] = f.keyType;
        fields[String(f.id)] = row;
      }
      table[obj.fullName.slice(1)] = fields;
    }
    if (obj instanceof protobuf.Namespace) visit(obj);
  }
}
visit(root);
writeFileSync(new URL('../src/apimachinery/protobuf/generated/wire-table.json', import.meta.url), JSON.stringify(table));
console.log(`${Object.keys(table).length} messages`);
