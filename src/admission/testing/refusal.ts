/**
 * A helper for admission tests (unit and e2e): the error a request that admission should refuse
 * was refused with.
 */
import { StatusError } from '../../apimachinery/errors.js';

/**
 * refusal awaits a request expected to be refused and returns its StatusError; a request that
 * succeeds fails the test ('the request was admitted'), any other error is rethrown.
 */
export async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('the request was admitted');
}
