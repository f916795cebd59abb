/**
 * goDuration prints milliseconds as Go's time.Duration.String() prints a duration truncated to
 * milliseconds ("0s", "313ms", "1.661s", "1m5.2s", "1h0m0s"): the form Kubernetes' messages and
 * API fields use (the kubelet's "Successfully pulled image … in 313ms", a metrics window "15.011s").
 */
export function goDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const total = Math.trunc(Math.abs(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${sign}${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const secMs = total % 60_000;
  const frac = secMs % 1000;
  const secs = `${Math.floor(secMs / 1000)}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h) return `${sign}${h}h${m}m${secs}`;
  if (m) return `${sign}${m}m${secs}`;
  return `${sign}${secs}`;
}
