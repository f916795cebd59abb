import type { KubeObject, TablePrinter } from '../resource.js';

/** TableOptions say how rows carry their objects and what list metadata the Table has. */
export interface TableOptions {
  now: Date;
  includeObject: 'None' | 'Metadata' | 'Object';
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

/**
 * buildTable renders objects as a meta.k8s.io/v1 Table: every column (kubectl hides priority-1
 * columns unless -o wide), one row per object, each row carrying the object as kubectl asked:
 * PartialObjectMetadata (kubectl's default), the whole object, or nothing.
 */
export function buildTable(printer: TablePrinter, items: KubeObject[], opts: TableOptions): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta,
    columnDefinitions: printer.columns,
    rows: items.map((o) => {
      const row: { cells: unknown[]; object?: unknown } = { cells: printer.cells(o, opts.now) };
      if (opts.includeObject === 'Object') row.object = o;
      else if (opts.includeObject === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}
