/**
 * Status is what a plugin returns at every extension point (kube-scheduler's framework.Status):
 * a code and the reasons, worded as upstream words them. `undefined` means Success, as Go's nil
 * *Status does, so the common path allocates nothing.
 */

/** Code is a Status code, with upstream's names. */
export type Code =
  /** the plugin ran fine and the pod may go on */
  | 'Success'
  /** an internal error: the pod is retried after a back-off */
  | 'Error'
  /** the pod does not fit now; preemption may help */
  | 'Unschedulable'
  /** the pod does not fit and preemption cannot help (a taint, an affinity) */
  | 'UnschedulableAndUnresolvable'
  /** a Permit plugin holds the pod */
  | 'Wait'
  /** PreFilter/PreScore: the plugin has nothing to do for this pod (its Filter/Score is skipped); Bind: next binder */
  | 'Skip'
  /** the pod waits for something outside the scheduler (a PreEnqueue/Filter plugin's external state) */
  | 'Pending';

/** Status is a non-success result of a plugin (Success is usually `undefined`). */
export class Status {
  private pluginName = '';

  constructor(readonly code: Code, readonly reasons: readonly string[] = [], readonly error?: Error) {}

  /** plugin is the name of the plugin that returned this status ('' when the framework made it). */
  get plugin(): string { return this.pluginName; }

  /** withPlugin records which plugin failed (the framework does it for plugins). */
  withPlugin(name: string): this {
    this.pluginName = name;
    return this;
  }

  /** message joins the reasons with ", " as Status.Message() does. */
  message(): string {
    return this.reasons.join(', ');
  }

  /** asError is the error to log/return for Error statuses (the reasons otherwise). */
  asError(): Error {
    return this.error ?? new Error(this.message());
  }
}

/** MaybeStatus is a plugin's result: `undefined` is Success. */
export type MaybeStatus = Status | undefined;

/** newStatus builds a status from a code and reasons. */
export function newStatus(code: Code, ...reasons: string[]): Status {
  return new Status(code, reasons);
}

/** asStatus wraps an unexpected error as an Error status. */
export function asStatus(err: unknown): Status {
  const e = err instanceof Error ? err : new Error(String(err));
  return new Status('Error', [e.message], e);
}

/** codeOf is the code of a maybe-status (undefined → Success). */
export function codeOf(s: MaybeStatus): Code {
  return s ? s.code : 'Success';
}

/** isSuccess is true for undefined and Success statuses. */
export function isSuccess(s: MaybeStatus): boolean {
  return !s || s.code === 'Success';
}

/** isRejected is true when the pod was rejected (Unschedulable, UnschedulableAndUnresolvable or Pending). */
export function isRejected(s: MaybeStatus): boolean {
  return !!s && (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable' || s.code === 'Pending');
}

/** isSkip is true for Skip statuses. */
export function isSkip(s: MaybeStatus): boolean {
  return !!s && s.code === 'Skip';
}
