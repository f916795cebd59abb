// What scripts/run-tests.mjs needs besides running node's test runner: which test files must have
// the machine to themselves, and a digest of the failures in a TAP stream (printed last, so a CI log
// that keeps only its head and tail still shows every failure with its message).

/**
 * EXCLUSIVE_MARKER starts a comment line in a test file that checks machine-wide state other
 * clusters change as they start (for example the sweep of dead clusters' networks): such a file
 * runs after all the others, alone. The rest of the line says why.
 */
export const EXCLUSIVE_MARKER = '// exclusive:';

/** isExclusive reports whether a test file's source asks to run alone. */
export function isExclusive(source) {
  return source.split('\n').some((line) => line.startsWith(EXCLUSIVE_MARKER));
}

/**
 * tapFailures reads the failing tests out of node's TAP output: for each `not ok` with its own
 * error (a suite that failed only through its subtests is left out, its subtests are there), its
 * name, the names of the suites around it, and its YAML block (error, location, stack).
 */
export function tapFailures(tap) {
  const lines = tap.split('\n');
  const failures = [];
  /** the open suites' names by indent: a `# Subtest: NAME` line opens one */
  const path = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const sub = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (sub) {
      const depth = sub[1].length / 4;
      path.length = depth;
      path[depth] = sub[2];
      continue;
    }
    const m = /^(\s*)not ok \d+ - (.*?)(?: # (\w+).*)?$/.exec(line);
    // a todo test may fail: it does not fail the run
    if (!m || m[3]?.toUpperCase() === 'TODO') continue;
    const indent = m[1];
    const block = [];
    if (lines[i + 1] === `${indent}  ---`) {
      for (let j = i + 2; j < lines.length && lines[j] !== `${indent}  ...`; j++) block.push(lines[j].slice(indent.length + 2));
    }
    if (block.some((l) => /^failureType: '(subtestsFailed)'/.test(l))) continue;
    const depth = indent.length / 4;
    failures.push({ name: m[2], suites: path.slice(0, depth), details: block.join('\n') });
  }
  return failures;
}

/** formatFailures is the digest printed after the run: each failure with its details, long ones cut. */
export function formatFailures(failures, maxLines = 40) {
  if (!failures.length) return '';
  const out = [`# ${failures.length} failing test(s):`];
  for (const f of failures) {
    out.push(`# - ${[...f.suites, f.name].join(' > ')}`);
    const details = f.details.split('\n');
    const shown = details.length > maxLines ? [...details.slice(0, maxLines), `... (${details.length - maxLines} more lines)`] : details;
    for (const l of shown) if (l) out.push(`#     ${l}`);
  }
  return out.join('\n') + '\n';
}
