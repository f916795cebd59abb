import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIndexesFromString } from './intervals.js';
import { matchSuccessPolicy } from './success-policy.js';

describe('matchSuccessPolicy', () => {
  const cases: { name: string; rules: { succeededIndexes?: string; succeededCount?: number }[]; succeeded: string; want?: string }[] = [
    { name: 'all of the rule\'s indexes', rules: [{ succeededIndexes: '0,2-3' }], succeeded: '0-3', want: 'Matched rules at index 0' },
    { name: 'missing one of them', rules: [{ succeededIndexes: '0,2-3' }], succeeded: '0,2,4', want: undefined },
    { name: 'succeededCount of the rule\'s indexes', rules: [{ succeededIndexes: '0-4', succeededCount: 2 }], succeeded: '1,3', want: 'Matched rules at index 0' },
    { name: 'succeededCount alone', rules: [{ succeededIndexes: '8-9' }, { succeededCount: 3 }], succeeded: '0-2', want: 'Matched rules at index 1' },
    { name: 'nothing succeeded', rules: [{ succeededCount: 0 }], succeeded: '', want: undefined },
    { name: 'a rule beyond completions matches nothing', rules: [{ succeededIndexes: '20-30' }], succeeded: '0-9', want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(matchSuccessPolicy({ rules: c.rules }, 10, parseIndexesFromString(c.succeeded, 10)), c.want));
  }
  it('no policy', () => assert.equal(matchSuccessPolicy(undefined, 3, parseIndexesFromString('0-2', 3)), undefined));
});
