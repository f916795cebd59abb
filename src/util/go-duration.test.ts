import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration } from './go-duration.js';

test('goDuration prints durations as Go does, truncated to milliseconds', () => {
  assert.deepEqual([0, 0.4, 313.9, 500, 1500, 1661, 2000, 15_011, 60_000, 65_200, 75_500, 3_600_000, 3_723_004].map(goDuration),
    ['0s', '0s', '313ms', '500ms', '1.5s', '1.661s', '2s', '15.011s', '1m0s', '1m5.2s', '1m15.5s', '1h0m0s', '1h2m3.004s']);
  assert.deepEqual([-250, -1500].map(goDuration), ['-250ms', '-1.5s']);
});
