/**
 * Pod Security levels, versions and the namespace labels that choose them
 * (k8s.io/pod-security-admission/api): `pod-security.kubernetes.io/<mode>` names a level and
 * `…/<mode>-version` pins it to the checks of a Kubernetes minor version (`latest` by default).
 * A namespace's labels over the cluster's defaults give the policy its pods are held to.
 */
import type { FieldError } from '../../../apimachinery/errors.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** Version is v1.<minor>, or latest (newer than any numbered version). */
export type Version = { latest: true } | { latest: false; minor: number };

export const LATEST: Version = Object.freeze({ latest: true });
export const minorVersion = (minor: number): Version => ({ latest: false, minor });

export const versionString = (v: Version): string => (v.latest ? 'latest' : `v1.${v.minor}`);

/** older says whether a is older than b (latest is never older). */
export function older(a: Version, b: Version): boolean {
  if (a.latest) return false;
  if (b.latest) return true;
  return a.minor < b.minor;
}

export const sameVersion = (a: Version, b: Version): boolean => a.latest === b.latest && (a.latest || a.minor === (b as { minor: number }).minor);

export interface LevelVersion { level: Level; version: Version }

export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${versionString(lv.version)}`;

export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean => a.level === b.level && sameVersion(a.version, b.version);

/** equivalent: the same level and version, or both privileged (whose version means nothing). */
export const equivalent = (a: LevelVersion, b: LevelVersion): boolean =>
  (a.level === 'privileged' && b.level === 'privileged') || sameLevelVersion(a, b);

export interface Policy { enforce: LevelVersion; audit: LevelVersion; warn: LevelVersion }

export const fullyPrivileged = (p: Policy): boolean =>
  p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';

/** DEFAULT_POLICY is Kubernetes' default PodSecurityConfiguration: privileged:latest for every mode. */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  enforce: { level: 'privileged' as Level, version: LATEST },
  audit: { level: 'privileged' as Level, version: LATEST },
  warn: { level: 'privileged' as Level, version: LATEST },
});

const PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = `${PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${PREFIX}enforce-version`;
export const AUDIT_LEVEL_LABEL = `${PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${PREFIX}audit-version`;
export const WARN_LEVEL_LABEL = `${PREFIX}warn`;
export const WARN_VERSION_LABEL = `${PREFIX}warn-version`;
export const AUDIT_ANNOTATION_PREFIX = PREFIX;

/** parseLevel: an unknown level is an error, and reads as restricted (enforce fails closed). */
export function parseLevel(s: string): { level: Level; error?: string } {
  if ((LEVELS as readonly string[]).includes(s)) return { level: s as Level };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;
/** Go's strconv.Atoi fails past int64: such a minor is no version either */
const MAX_INT64 = 9223372036854775807n;

/** parseVersion: `latest` or `v1.<minor>`; anything else is an error and reads as latest. */
export function parseVersion(s: string): { version: Version; error?: string } {
  if (s === 'latest') return { version: LATEST };
  const m = VERSION_RE.exec(s);
  if (!m || BigInt(m[1]) > MAX_INT64) return { version: LATEST, error: 'must be "latest" or "v1.x"' };
  // Minors past what a number holds exactly are all newer than any check: latest's checks apply.
  return { version: minorVersion(Number(m[1])) };
}

/** compareLevels orders privileged < baseline < restricted. */
export function compareLevels(a: Level, b: Level): number {
  return LEVELS.indexOf(a) - LEVELS.indexOf(b);
}

/**
 * policyToEvaluate reads a namespace's labels over the defaults. Bad values are reported (the
 * namespace's create or update is refused for them) and read as: enforce restricted (fail
 * closed), audit and warn privileged (fail open), version latest. An enforce level without a
 * warn label warns at the enforce level too, so what would be refused is also warned about on
 * workload resources.
 */
export function policyToEvaluate(labels: Readonly<Record<string, string>> | undefined, defaults: Policy = DEFAULT_POLICY): { policy: Policy; errors: FieldError[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldError[] = [];
  if (!labels || Object.keys(labels).length === 0) return { policy: p, errors };
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  const report = (label: string, value: string, error: string | undefined) => {
    if (error) errors.push({ type: 'FieldValueInvalid', field: `metadata.labels[${label}]`, value, detail: error });
  };
  let hasEnforceLevel = false;
  if (has(ENFORCE_LEVEL_LABEL)) {
    const r = parseLevel(labels[ENFORCE_LEVEL_LABEL]);
    p.enforce.level = r.level;
    hasEnforceLevel = !r.error;
    report(ENFORCE_LEVEL_LABEL, labels[ENFORCE_LEVEL_LABEL], r.error);
  }
  if (has(ENFORCE_VERSION_LABEL)) {
    const r = parseVersion(labels[ENFORCE_VERSION_LABEL]);
    p.enforce.version = r.version;
    report(ENFORCE_VERSION_LABEL, labels[ENFORCE_VERSION_LABEL], r.error);
  }
  if (has(AUDIT_LEVEL_LABEL)) {
    const r = parseLevel(labels[AUDIT_LEVEL_LABEL]);
    p.audit.level = r.error ? 'privileged' : r.level;
    report(AUDIT_LEVEL_LABEL, labels[AUDIT_LEVEL_LABEL], r.error);
  }
  if (has(AUDIT_VERSION_LABEL)) {
    const r = parseVersion(labels[AUDIT_VERSION_LABEL]);
    p.audit.version = r.version;
    report(AUDIT_VERSION_LABEL, labels[AUDIT_VERSION_LABEL], r.error);
  }
  const hasWarnLevel = has(WARN_LEVEL_LABEL);
  if (hasWarnLevel) {
    const r = parseLevel(labels[WARN_LEVEL_LABEL]);
    p.warn.level = r.error ? 'privileged' : r.level;
    report(WARN_LEVEL_LABEL, labels[WARN_LEVEL_LABEL], r.error);
  }
  const hasWarnVersion = has(WARN_VERSION_LABEL);
  if (hasWarnVersion) {
    const r = parseVersion(labels[WARN_VERSION_LABEL]);
    p.warn.version = r.version;
    report(WARN_VERSION_LABEL, labels[WARN_VERSION_LABEL], r.error);
  }
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!hasWarnVersion) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors };
}
