import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onStopSignals, STOP_SIGNALS } from './stop-signals.js';

test('onStopSignals stops on SIGINT, SIGTERM and SIGHUP (a closed terminal), naming the signal', () => {
  const before = new Map(STOP_SIGNALS.map((s) => [s, process.listeners(s)]));
  const seen: string[] = [];
  onStopSignals(async (sig) => { seen.push(sig); });
  try {
    // emit runs the listeners without sending this process a signal.
    for (const sig of STOP_SIGNALS) process.emit(sig, sig);
    assert.deepEqual(seen, ['SIGINT', 'SIGTERM', 'SIGHUP']);
  } finally {
    for (const sig of STOP_SIGNALS) for (const l of process.listeners(sig)) if (!before.get(sig)!.includes(l)) process.off(sig, l);
  }
});
