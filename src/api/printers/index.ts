// TEMPORARY STUB written by the resources helper so the registry typechecks; the printers helper
// owns this file and replaces it.
import type { TablePrinter } from '../resource.js';

/** printerFor returns the Table printer of a resource, if one exists. */
export function printerFor(_group: string, _plural: string): TablePrinter | undefined {
  return undefined;
}
