import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../apimachinery/errors.js';
import { levelVersionString, parseLevel, parseVersion, policyToEvaluate, versionString, type Policy } from './api.js';

const show = (p: Policy) => `enforce=${levelVersionString(p.enforce)} audit=${levelVersionString(p.audit)} warn=${levelVersionString(p.warn)}`;
const L = 'pod-security.kubernetes.io/';

describe('levels and versions', () => {
  it('parses the three levels; anything else is an error read as restricted', () => {
    for (const l of ['privileged', 'baseline', 'restricted']) assert.deepEqual(parseLevel(l), { level: l });
    assert.deepEqual(parseLevel('Restricted'), { level: 'restricted', error: 'must be one of privileged, baseline, restricted' });
  });
  it('parses latest and v1.x; anything else is an error read as latest', () => {
    assert.equal(versionString(parseVersion('latest').version), 'latest');
    assert.equal(versionString(parseVersion('v1.0').version), 'v1.0');
    assert.equal(versionString(parseVersion('v1.99').version), 'v1.99');
    for (const bad of ['v1.01', 'v2.0', '1.25', 'v1.', 'v1.2.3', 'Latest', '', 'v1.99999999999999999999']) {
      assert.deepEqual(parseVersion(bad), { version: { latest: true }, error: 'must be "latest" or "v1.x"' }, bad);
    }
  });
});

describe('policyToEvaluate', () => {
  const cases: [string, Record<string, string> | undefined, string, string[]][] = [
    ['no labels: privileged:latest everywhere', undefined, 'enforce=privileged:latest audit=privileged:latest warn=privileged:latest', []],
    ['every mode', { [`${L}enforce`]: 'baseline', [`${L}enforce-version`]: 'v1.32', [`${L}audit`]: 'restricted', [`${L}warn`]: 'restricted', [`${L}warn-version`]: 'v1.30' },
      'enforce=baseline:v1.32 audit=restricted:latest warn=restricted:v1.30', []],
    ['enforce without warn warns at the enforce level and version', { [`${L}enforce`]: 'restricted', [`${L}enforce-version`]: 'v1.25' },
      'enforce=restricted:v1.25 audit=privileged:latest warn=restricted:v1.25', []],
    ['a warn version of its own is kept', { [`${L}enforce`]: 'baseline', [`${L}warn-version`]: 'v1.20' },
      'enforce=baseline:latest audit=privileged:latest warn=baseline:v1.20', []],
    ['a warn level, even lower, is kept', { [`${L}enforce`]: 'restricted', [`${L}warn`]: 'privileged' },
      'enforce=restricted:latest audit=privileged:latest warn=privileged:latest', []],
    ['bad values: enforce fails closed, audit and warn open', { [`${L}enforce`]: 'strict', [`${L}audit`]: 'x', [`${L}warn`]: 'y', [`${L}audit-version`]: '1.2' },
      'enforce=restricted:latest audit=privileged:latest warn=privileged:latest', [
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "x": must be one of privileged, baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.2": must be "latest" or "v1.x"',
        'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "y": must be one of privileged, baseline, restricted',
      ]],
  ];
  for (const [name, labels, want, errors] of cases) {
    it(name, () => {
      const r = policyToEvaluate(labels);
      assert.equal(show(r.policy), want);
      assert.deepEqual(r.errors.map(fieldErrorMessage), errors);
    });
  }
});
