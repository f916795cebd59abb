/** ProbeKind is liveness, readiness or startup. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** ProbeResult is a worker's settled verdict (after thresholds). */
export type ProbeResult = 'success' | 'failure';

/** ResultUpdate is one change of a container instance's verdict. */
export interface ResultUpdate { containerId: string; kind: ProbeKind; result: ProbeResult }

/**
 * ResultsManager holds the latest verdict per (container instance, probe kind) and tells its
 * listener only about changes (kubelet's results.Manager), so probing stays apart from acting.
 */
export class ResultsManager {
  private readonly results = new Map<string, ProbeResult>();
  constructor(private readonly onChange: (u: ResultUpdate) => void) {}

  /** get returns the verdict, or undefined before the first one. */
  get(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    return this.results.get(`${containerId}/${kind}`);
  }

  /** set stores a verdict and notifies when it differs from the previous one. */
  set(containerId: string, kind: ProbeKind, result: ProbeResult): void {
    const key = `${containerId}/${kind}`;
    if (this.results.get(key) === result) return;
    this.results.set(key, result);
    this.onChange({ containerId, kind, result });
  }

  /** remove forgets a container instance. */
  remove(containerId: string): void {
    for (const k of ['liveness', 'readiness', 'startup']) this.results.delete(`${containerId}/${k}`);
  }
}
