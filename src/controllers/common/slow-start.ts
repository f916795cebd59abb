/** SLOW_START_INITIAL_BATCH_SIZE is the first batch of slowStartBatch (upstream's value). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/**
 * slowStartBatch calls fn count times in batches of 1, 2, 4, 8 … (each batch in parallel), stopping
 * after the first batch with an error, so a create that always fails (quota, a bad template) costs
 * one request instead of hundreds. Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: (index: number) => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let index = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(index++)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
