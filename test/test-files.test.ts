import { it } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: a plain ESM script without type declarations
import { formatFailures, isExclusive, tapFailures } from '../scripts/test-files.mjs';

// scripts/test-files.mjs: which files run alone, and the failure digest npm test prints last.

const TAP = `TAP version 13
# Subtest: pods
    # Subtest: starts
    ok 1 - starts
      ---
      duration_ms: 1.5
      ...
    # Subtest: prints all its output
    not ok 2 - prints all its output
      ---
      duration_ms: 3.1
      failureType: 'testCodeFailure'
      error: "run 3: lost the first line"
      code: 'ERR_ASSERTION'
      ...
    1..2
not ok 1 - pods
  ---
  duration_ms: 5
  type: 'suite'
  failureType: 'subtestsFailed'
  error: '1 subtest failed'
  ...
# Subtest: oci walkthroughs
not ok 2 - oci walkthroughs
  ---
  duration_ms: 180000
  type: 'suite'
  failureType: 'hookFailed'
  error: 'host01 Ready: timed out'
  ...
# Subtest: skipped one
ok 3 - skipped one # SKIP needs runc
# Subtest: not yet
not ok 4 - not yet # TODO no DNS cache
1..4
`;

it('tapFailures lists each failing test with its suites and its error, not a suite that failed only through them', () => {
  const f = tapFailures(TAP) as { name: string; suites: string[]; details: string }[];
  assert.deepEqual(f.map((x) => [...x.suites, x.name].join(' > ')), ['pods > prints all its output', 'oci walkthroughs']);
  assert.match(f[0].details, /error: "run 3: lost the first line"/);
  assert.match(f[1].details, /failureType: 'hookFailed'\nerror: 'host01 Ready: timed out'/);
});

it('formatFailures prints nothing without failures, and cuts long details', () => {
  assert.equal(formatFailures([]), '');
  const long = formatFailures([{ name: 't', suites: ['s'], details: Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') }], 5);
  assert.match(long, /^# 1 failing test\(s\):\n# - s > t\n#     line 0\n/);
  assert.match(long, /#     line 4\n#     \.\.\. \(45 more lines\)\n$/);
});

it('isExclusive reads the marker only at the start of a line', () => {
  assert.equal(isExclusive('import x;\n// exclusive: sweeps other clusters\n'), true);
  assert.equal(isExclusive('const s = "// exclusive: no";\n'), false);
});
