import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain,
  isQualifiedName, isValidLabelValue, isValidPortName, isValidPercent, nameIsDNSSubdomain,
} from './names.js';

describe('name validators', () => {
  it('refuse bad names with Kubernetes\' exact RFC 1123 messages', () => {
    assert.deepEqual(isDNS1123Subdomain('Example.com'), ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]);
    assert.deepEqual(isDNS1123Label('my_name'), ["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]);
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  });

  const cases: [string, (v: string) => string[], string, number][] = [
    ['label ok', isDNS1123Label, 'my-name', 0],
    ['label upper', isDNS1123Label, 'MyName', 1],
    ['label too long', isDNS1123Label, 'a'.repeat(64), 1],
    ['subdomain dots', isDNS1123Subdomain, 'a.b.c', 0],
    ['subdomain trailing dash', isDNS1123Subdomain, 'abc-', 1],
    ['1035 digit start', isDNS1035Label, '1abc', 1],
    ['qualified prefix', isQualifiedName, 'example.com/Name_1', 0],
    ['qualified two slashes', isQualifiedName, 'a/b/c', 1],
    ['qualified empty name', isQualifiedName, 'example.com/', 2],
    ['label value empty', isValidLabelValue, '', 0],
    ['label value bad', isValidLabelValue, '-x', 1],
    ['config key', isConfigMapKey, 'app.properties', 0],
    ['config key slash', isConfigMapKey, 'a/b', 1],
    ['port name', isValidPortName, 'http-web', 0],
    ['port name digits only', isValidPortName, '8080', 1],
    ['percent', isValidPercent, '25%', 0],
    ['percent bad', isValidPercent, '25', 1],
  ];
  for (const [name, fn, value, count] of cases) {
    it(name, () => assert.equal(fn(value).length, count, JSON.stringify(fn(value))));
  }

  it('qualified name messages name the part', () => {
    assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]);
  });

  it('generateName may end with a dash', () => {
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
    assert.equal(nameIsDNSSubdomain('web-', false).length, 1);
  });
});
