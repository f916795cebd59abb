/**
 * validateDefaults checks every `default` of a structural schema (apiextensions'
 * defaulting.ValidateDefaults): it must be pruned (no unknown fields), carry valid embedded
 * metadata, and validate against the schema it sits in.
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { goValueText } from './gosyntax.js';
import { coerce, validateEmbeddedResources } from './objectmeta.js';
import type { FieldPath } from './path.js';
import { prune } from './pruning.js';
import { asResourceRoot, itemsOf } from './structural.js';
import { jsonEqual, validateValue } from './validator.js';

const META = new Set(['metadata', 'apiVersion', 'kind']);

/** validateDefaults returns the field errors of every default under s. */
export function validateDefaults(p: FieldPath, s: JSONSchemaProps, isResourceRoot: boolean, requirePrunedDefaults: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const walk = (pth: FieldPath, sch: JSONSchemaProps, insideMeta: boolean): void => {
    const embedded = !!sch['x-kubernetes-embedded-resource'];
    if (embedded) insideMeta = false;
    if (sch.default !== undefined && sch.default !== null) {
      const dflt = sch.default;
      const at = pth.child('default');
      if (insideMeta) {
        errs.push(...validateValue(at, sch, dflt));
      } else {
        if (requirePrunedDefaults) {
          const pruned = structuredClone(dflt);
          prune(pruned, sch, embedded, false);
          if (!jsonEqual(pruned, dflt)) errs.push({ type: 'FieldValueInvalid', field: at.toString(), value: dflt, valueText: goValueText(dflt), detail: 'must not have unknown fields' });
        }
        const copy = structuredClone(dflt);
        const c = coerce(at, copy, sch, embedded, false);
        if (c.error) errs.push(c.error);
        else {
          const embeddedErrs = validateEmbeddedResources(at, dflt, embedded ? asResourceRoot(sch) : sch);
          if (embeddedErrs.length) errs.push(...embeddedErrs);
          else errs.push(...validateValue(at, sch, dflt));
        }
      }
    }
    const items = itemsOf(sch);
    if (items) walk(pth.child('items'), items, insideMeta);
    for (const k of Object.keys(sch.properties ?? {}).sort()) {
      walk(pth.child('properties').key(k), sch.properties![k], insideMeta || (embedded && META.has(k)));
    }
  };
  walk(p, isResourceRoot ? asResourceRoot(s) : s, false);
  return errs;
}
