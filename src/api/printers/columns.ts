import type { KubeObject, TableColumn } from '../resource.js';
import { formatLabelSelector } from '../../apimachinery/labels.js';

/** col builds a column definition; priority 1 columns appear only with -o wide. */
export function col(name: string, description: string, priority = 0, type: TableColumn['type'] = 'string', format = ''): TableColumn {
  return { name, type, format, description, priority };
}

/** The Name and Age columns every printer starts and (usually) ends with. */
export const NAME = col('Name', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 0, 'string', 'name');
export const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata');

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** get reads a nested field without caring about types (printers read untyped JSON). */
export function get(obj: unknown, ...path: string[]): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  let cur = obj as Any | undefined;
  for (const p of path) cur = cur?.[p];
  return cur;
}

/** containersImagesSelector: the CONTAINERS, IMAGES and SELECTOR wide cells of workload kinds. */
export function containerNames(podSpec: unknown): string {
  return ((get(podSpec, 'containers') ?? []) as { name: string }[]).map((c) => c.name).join(',');
}
export function containerImages(podSpec: unknown): string {
  return ((get(podSpec, 'containers') ?? []) as { image?: string }[]).map((c) => c.image ?? '').join(',');
}

/** selectorCell renders a LabelSelector (matchLabels/matchExpressions). */
export function selectorCell(sel: unknown): string {
  if (!sel) return '<none>';
  return formatLabelSelector(sel as never);
}

/** mapSelectorCell renders a map selector (Service, RC, nodeSelector) as `a=b,c=d`, sorted, or <none>. */
export function mapSelectorCell(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  if (!keys.length) return '<none>';
  return keys.map((k) => `${k}=${m![k]}`).join(',');
}

export type { KubeObject };
