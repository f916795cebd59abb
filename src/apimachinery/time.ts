/**
 * Kubernetes' wire formats for time (RFC 3339 in UTC, as Go's time.Time marshals it).
 * metav1.Time (creationTimestamp, lastTransitionTime, event timestamps …) has seconds precision;
 * metav1.MicroTime (Lease renewTime, events.k8s.io eventTime) has exactly six fractional digits.
 */

/** rfc3339 renders a time as metav1.Time does: `2026-01-02T03:04:05Z` (fraction dropped, not rounded). */
export function rfc3339(d: Date): string {
  return `${isoPrefix(d)}Z`;
}

/**
 * rfc3339Micro renders a time as metav1.MicroTime does: `2026-01-02T03:04:05.123000Z`. A Date holds
 * milliseconds; `micros` (0–999999, e.g. from a protobuf Timestamp's nanos) replaces the fraction when
 * the sub-millisecond digits are known.
 */
export function rfc3339Micro(d: Date, micros?: number): string {
  const frac = micros ?? d.getUTCMilliseconds() * 1000;
  return `${isoPrefix(d)}.${String(Math.trunc(frac)).padStart(6, '0')}Z`;
}

/** rfc3339Nano renders a time with nine fractional digits, as containerd writes CRI log timestamps. */
export function rfc3339Nano(d: Date): string {
  return `${isoPrefix(d)}.${String(d.getUTCMilliseconds() * 1_000_000).padStart(9, '0')}Z`;
}

/** isoPrefix is `YYYY-MM-DDTHH:MM:SS` in UTC. */
function isoPrefix(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('rfc3339: invalid date');
  return d.toISOString().slice(0, 19);
}
