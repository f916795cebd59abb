/**
 * Pruning of unknown fields (apiextensions' pruning.PruneWithOptions): every field a structural
 * schema does not specify is dropped, except under x-kubernetes-preserve-unknown-fields and the
 * apiVersion/kind/metadata of (embedded) resources. The paths of dropped fields are what strict
 * field validation reports ("unknown field \"spec.x\"").
 */
import type { JSONSchemaProps } from '../types.js';
import { additionalPropertiesOf, asResourceRoot, isObject, itemsOf, propertyOf } from './structural.js';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

class Pruner {
  readonly unknown: string[] = [];
  constructor(private readonly track: boolean) {}

  private record(parent: string, k: string): void {
    if (this.track) this.unknown.push(parent ? `${parent}.${k}` : k);
  }

  prune(x: unknown, s: JSONSchemaProps | undefined, path: string): void {
    if (s?.['x-kubernetes-preserve-unknown-fields']) return this.skipPrune(x, s, path);
    if (isObject(x)) {
      if (!s) {
        for (const k of Object.keys(x)) { this.record(path, k); delete x[k]; }
        return;
      }
      const ap = additionalPropertiesOf(s);
      for (const k of Object.keys(x)) {
        if (s['x-kubernetes-embedded-resource'] && META_FIELDS.has(k)) continue;
        const prop = propertyOf(s, k);
        const child = path ? `${path}.${k}` : k;
        if (prop) this.prune(x[k], prop, child);
        else if (ap.present) this.prune(x[k], ap.schema, child);
        else {
          if (!META_FIELDS.has(k) || path !== '') this.record(path, k);
          delete x[k];
        }
      }
    } else if (Array.isArray(x)) {
      const items = s ? itemsOf(s) : undefined;
      x.forEach((v, i) => this.prune(v, items, `${path}[${i}]`));
    }
  }

  private skipPrune(x: unknown, s: JSONSchemaProps, path: string): void {
    if (isObject(x)) {
      const ap = additionalPropertiesOf(s);
      for (const k of Object.keys(x)) {
        if (s['x-kubernetes-embedded-resource'] && META_FIELDS.has(k)) continue;
        const prop = propertyOf(s, k);
        const child = path ? `${path}.${k}` : k;
        if (prop) this.prune(x[k], prop, child);
        else if (ap.present) this.prune(x[k], ap.schema, child);
      }
    } else if (Array.isArray(x)) {
      const items = itemsOf(s);
      if (items) x.forEach((v, i) => this.skipPrune(v, items, `${path}[${i}]`));
    }
  }
}

/**
 * prune removes unknown fields from obj in place and returns their paths, sorted. With
 * isResourceRoot the root keeps apiVersion, kind and metadata.
 */
export function prune(obj: unknown, s: JSONSchemaProps | undefined, isResourceRoot: boolean, track = true): string[] {
  const p = new Pruner(track);
  p.prune(obj, isResourceRoot ? asResourceRoot(s) : s, '');
  return p.unknown.sort();
}
