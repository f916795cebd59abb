/**
 * Table output of custom resources (apiextensions' tableconvertor): NAME, then the version's
 * additionalPrinterColumns evaluated as JSONPath — or, when a version declares none, an Age
 * column over .metadata.creationTimestamp.
 */
import type { KubeObject, TableColumn, TablePrinter } from '../resource.js';
import { AGE, NAME } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import { findResults, parseJSONPath, printResult, type JSONPath } from './jsonpath.js';
import type { CustomResourceColumnDefinition } from './types.js';

/** DEFAULT_COLUMNS are served when a version has no additionalPrinterColumns. */
export const DEFAULT_COLUMNS: CustomResourceColumnDefinition[] = [
  { name: 'Age', type: 'date', description: AGE.description, jsonPath: '.metadata.creationTimestamp' },
];

function cellForJSONValue(type: string, v: unknown, now: Date): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'integer': return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number': return typeof v === 'number' ? v : null;
    case 'boolean': return typeof v === 'boolean' ? v : null;
    case 'string': return typeof v === 'string' ? v : null;
    case 'date':
      if (typeof v !== 'string') return null;
      if (v !== '' && Number.isNaN(Date.parse(v))) return '<invalid>';
      return ageOf(v, now);
    default: return null;
  }
}

/** customResourcePrinter builds the table printer of one custom resource version. */
export function customResourcePrinter(columns: CustomResourceColumnDefinition[] | undefined): TablePrinter {
  const defs = columns?.length ? columns : DEFAULT_COLUMNS;
  const paths: (JSONPath | undefined)[] = defs.map((c) => {
    try { return parseJSONPath(c.jsonPath); } catch { return undefined; }
  });
  const headers: TableColumn[] = [NAME, ...defs.map((c): TableColumn => {
    const col: TableColumn = {
      name: c.name, type: c.type as TableColumn['type'],
      description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    };
    if (c.format) col.format = c.format;
    return col;
  })];
  return {
    columns: headers,
    cells(obj: KubeObject, now: Date): unknown[] {
      const cells: unknown[] = [obj.metadata?.name ?? ''];
      defs.forEach((c, i) => {
        const path = paths[i];
        const results = path ? findResults(path, obj) : [];
        if (!results.length) { cells.push(null); return; }
        const v = results[0];
        cells.push(c.type === 'string' ? printResult(v) : cellForJSONValue(c.type, v, now));
      });
      return cells;
    },
  };
}
