/**
 * Kubernetes' CEL format library (1.31+): named formats such as format.dns1123Label() whose
 * validate(s) returns optional.none() for a valid string or optional.of([problems]) with
 * Kubernetes' validation messages, and format.named('dns1123Label') to look one up by name.
 */
import { celFunc, celList, celMethod, CelScalar, mapType, type CelFunc, type CelValue } from '@bufbuild/cel';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../../apimachinery/validation.js';
import { isDNS1035Label, isDNS1123Label } from '../../validation/names.js';
import { parseSchemaDate, parseSchemaDateTime } from './cel-time.js';
import { parseRequestURL } from './cel-url.js';
import { asOpaque, opaqueHandle } from './cel-values.js';

const { DYN, STRING } = CelScalar;
const MAP = mapType(DYN, DYN);

// NameIsDNS*(name, prefix): a generateName prefix may end in '-', as if followed by more.
const masked = (s: string, prefix: boolean) => (prefix && s.length > 1 && s.endsWith('-') ? `${s.slice(0, -1)}a` : s);

/** FORMATS maps each format.<name>() to its validation (Kubernetes' messages). */
export const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: (s) => isDNS1123Label(s),
  dns1123Subdomain: (s) => isDNS1123Subdomain(s),
  dns1035Label: (s) => isDNS1035Label(s),
  qualifiedName: (s) => isQualifiedName(s),
  dns1123LabelPrefix: (s) => isDNS1123Label(masked(s, true)),
  dns1123SubdomainPrefix: (s) => isDNS1123Subdomain(masked(s, true)),
  dns1035LabelPrefix: (s) => isDNS1035Label(masked(s, true)),
  labelValue: (s) => isValidLabelValue(s),
  uri: (s) => {
    const r = parseRequestURL(s);
    return 'error' in r ? [r.error] : [];
  },
  uuid: (s) => (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s) ? [] : ['does not match the UUID format']),
  byte: (s) => (/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s) ? [] : ['invalid base64']),
  date: (s) => (parseSchemaDate(s) ? [] : ['invalid date']),
  datetime: (s) => (parseSchemaDateTime(s) ? [] : ['invalid datetime']),
};

/** formatFunctions are format.<name>(), format.named() and validate(). */
export function formatFunctions(): CelFunc[] {
  return [
    ...Object.keys(FORMATS).map((name) => celFunc(`format.${name}`, [], MAP, () => opaqueHandle({ kind: 'format', name }))),
    celFunc('format.named', [STRING], MAP, (name: string) => opaqueHandle(FORMATS[name] ? { kind: 'optional', value: opaqueHandle({ kind: 'format', name }) } : { kind: 'optional' })),
    celMethod('validate', MAP, [STRING], MAP, function (this: CelValue, s: string) {
      const f = asOpaque(this);
      if (f?.kind !== 'format') throw new Error('no such overload');
      const errs = FORMATS[f.name](s);
      return opaqueHandle(errs.length ? { kind: 'optional', value: celList(errs) } : { kind: 'optional' });
    }),
  ];
}
