#!/usr/bin/env node
// Runs Kubernetes' own conformance suite (the v1.28 e2e binary in the shared conformance folder)
// against a `tskube up --nodes 2` it starts on a temp data dir, then summarises junit.xml per group
// and fails when a spec listed in test/conformance/passing.txt fails.
//
// Usage: npm run conformance [-- options]
//   --focus REGEX        specs to run (default: every [Conformance] spec)
//   --skip REGEX         specs to leave out
//   --nodes N            node agents of the cluster (default 2)
//   --timeout DURATION   stop the suite after this long (ginkgo's --timeout, e.g. 15m; default 2h)
//   --up-arg ARG         one more argument for `tskube up` (repeatable, e.g. --up-arg --images --up-arg f.yaml)
//   --kubeconfig FILE    run against a cluster that is already up instead of starting one
//   --record             append the specs that passed and are not listed yet to the passing list
//   --passing FILE       the list of specs that must pass (default test/conformance/passing.txt)
//   --junit FILE         only summarise an existing junit.xml (no cluster, no run; --record works too)
//
// Where the suite is: $TSKUBE_CONFORMANCE_DIR, else ../shared/tools/conformance next to the checkout.
// The folder is not part of the repository, so when it is absent the run is skipped (exit 0) with a
// message — even under TSKUBE_REQUIRE_SYSTEM_TOOLS=1, which is about tools a machine can install.
// Only an explicitly set TSKUBE_CONFORMANCE_DIR that does not exist is an error (exit 2): whoever set
// it asked for the suite. Exit 1 when a listed spec fails or the suite produced no report.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** parseArgs reads the options above; unknown ones are an error so typos do not run the whole suite. */
function parseArgs(argv) {
  const o = { focus: '\\[Conformance\\]', skip: '', nodes: 2, upArgs: [], kubeconfig: '', record: false,
    passing: join(ROOT, 'test/conformance/passing.txt'), junit: '', timeout: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--focus': o.focus = val(); break;
      case '--skip': o.skip = val(); break;
      case '--nodes': o.nodes = Number(val()); break;
      case '--timeout': o.timeout = val(); break;
      case '--up-arg': o.upArgs.push(val()); break;
      case '--kubeconfig': o.kubeconfig = resolve(val()); break;
      case '--record': o.record = true; break;
      case '--passing': o.passing = resolve(val()); break;
      case '--junit': o.junit = resolve(val()); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown option ${a}`);
    }
  }
  return o;
}

function usage(err) {
  const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1);
  const text = lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n');
  if (err) { console.error(`conformance: ${err}\n\n${text}`); process.exit(2); }
  console.log(text);
  process.exit(0);
}

/** conformanceDir finds the suite, or says why there is none. */
function conformanceDir() {
  const explicit = process.env.TSKUBE_CONFORMANCE_DIR;
  const dir = explicit ? resolve(explicit) : resolve(ROOT, '../shared/tools/conformance');
  if (existsSync(join(dir, 'run'))) return { dir };
  return { dir, missing: true, explicit: Boolean(explicit) };
}

/** groupOf maps a spec name to its summary group. */
export function groupOf(name) {
  const m = /\[sig-([a-z-]+)\]/.exec(name);
  return m ? m[1] : 'other';
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#xA;/gi, '\n').replace(/&#x9;/gi, '\t').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/**
 * parseJunit reads Ginkgo v2's junit report into specs: name (without the "[It] " prefix), status
 * (passed, failed, skipped, unselected; timedout/panicked/interrupted count as failed) and the
 * failure text.
 * Suite-level nodes ([SynchronizedBeforeSuite] …) are kept under their own names so a broken setup shows.
 */
export function parseJunit(xml) {
  const specs = [];
  const re = /<testcase\s([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m; (m = re.exec(xml));) {
    const attrs = {};
    for (const a of m[1].matchAll(/(\w+)="([^"]*)"/g)) attrs[a[1]] = unescapeXml(a[2]);
    const body = m[3] ?? '';
    let status = attrs.status ?? 'passed';
    const fail = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    if (fail) status = status === 'passed' ? 'failed' : status;
    else if (/<skipped\b/.test(body)) {
      // Ginkgo lists every spec of the binary: those the focus/skip left out say just "skipped",
      // a spec that skipped itself at run time (e2eskipper) says why
      status = /<skipped message="skipped"/.test(body) ? 'unselected' : 'skipped';
    }
    if (['timedout', 'panicked', 'interrupted', 'aborted'].includes(status)) status = 'failed';
    if (status === 'pending') status = 'skipped';
    let failure = '';
    if (fail) {
      const msg = /message="([^"]*)"/.exec(fail[2] ?? '');
      failure = unescapeXml(msg?.[1] || fail[3] || '');
    }
    const name = (attrs.name ?? '').replace(/^\[It\]\s*/, '');
    const err = /<system-err>([\s\S]*?)<\/system-err>/.exec(body);
    specs.push({ name, status, failure, time: Number(attrs.time ?? 0), log: err ? unescapeXml(err[1]) : '' });
  }
  return specs;
}

/** stepsOf is a spec's `STEP:` lines, as its junit log has them (each ends with `@ MM/DD/YY hh:mm:ss.mmm`). */
export function stepsOf(spec) {
  return spec.log.split('\n').filter((l) => l.startsWith('STEP:')).map((l) => l.replace(/ - \/\S+:\d+ @/, ' @'));
}

/** windowOf is the time span of a spec's log ([first, last] timestamp, ms since the epoch) or undefined. */
export function windowOf(spec) {
  const times = [...spec.log.matchAll(/@ (\d\d)\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?/g)]
    .map((m) => Date.UTC(2000 + Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3))));
  return times.length ? [Math.min(...times), Math.max(...times)] : undefined;
}

/**
 * clusterLogDuring picks the warning and error lines of tskube's log (klog style: `E1128 09:43:51.019 …`)
 * written within a window (UTC, the year taken from the window), at most max lines.
 */
export function clusterLogDuring(logText, [from, to], max = 40) {
  const year = new Date(from).getUTCFullYear();
  const out = [];
  for (const line of logText.split('\n')) {
    const m = /^([EW])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
    if (!m) continue;
    const t = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
    if (t >= from && t <= to) out.push(line.slice(0, 400));
  }
  return out.length > max ? [...out.slice(0, max), `… ${out.length - max} more`] : out;
}

/** focusFor is a ginkgo focus matching one spec name (the suite's full texts start before the `[sig-…]`, so no `^`). */
export function focusFor(name) {
  return `${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** readPassing reads the must-pass list: one spec name per line, # comments and blank lines ignored. */
export function readPassing(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** firstFailureLine is the first meaningful line of a failure message. */
function firstFailureLine(text) {
  return (text.split('\n').map((l) => l.trim()).find((l) => l && !/^\[FAILED\]$/.test(l)) ?? '(no message)').slice(0, 300);
}

/** summarize prints the per-group counts and the failing specs; returns the listed specs that failed. */
export function summarize(specs, passingList, print = console.log) {
  const listed = new Set(passingList);
  const real = specs.filter((s) => s.name.startsWith('[sig-') && s.status !== 'unselected');
  const groups = new Map();
  for (const s of real) {
    const g = groups.get(groupOf(s.name)) ?? { passed: 0, failed: 0, skipped: 0 };
    g[s.status] = (g[s.status] ?? 0) + 1;
    groups.set(groupOf(s.name), g);
  }
  print('\nconformance summary (passed / failed / skipped):');
  for (const [g, c] of [...groups].sort()) print(`  ${g.padEnd(16)} ${String(c.passed).padStart(4)} / ${String(c.failed).padStart(4)} / ${String(c.skipped).padStart(4)}`);
  const failed = specs.filter((s) => s.status === 'failed');
  if (failed.length) {
    print(`\nfailing specs (${failed.length}):`);
    for (const s of failed) print(`  ${listed.has(s.name) ? '!! ' : ''}${s.name}\n      ${firstFailureLine(s.failure)}`);
  }
  const regressions = failed.filter((s) => listed.has(s.name));
  const fresh = real.filter((s) => s.status === 'passed' && !listed.has(s.name));
  if (fresh.length) {
    print(`\npassing but not in the must-pass list (${fresh.length}; --record adds them):`);
    for (const s of fresh) print(`  ${s.name}`);
  }
  return { regressions, fresh };
}

/** record adds names to the passing list, keeping it sorted by group then name (other helpers append too). */
function record(file, names) {
  const all = [...new Set([...readPassing(file), ...names])].sort((a, b) => groupOf(a).localeCompare(groupOf(b)) || a.localeCompare(b));
  const header = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#')) : [];
  writeFileSync(file, [...header, ...all].join('\n') + '\n');
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** clusterCIDR picks a /16 in 10.160-239 that no route of this machine uses (as test/harness.ts does). */
function clusterCIDR() {
  let routes = '';
  try { routes = sh('ip', ['-4', 'route', 'show']); } catch { /* no iproute2 */ }
  for (;;) {
    const b = 160 + Math.floor(Math.random() * 80);
    if (!routes.includes(`10.${b}.`)) return `10.${b}.0.0/16`;
  }
}

/**
 * agnhostBinary unpacks the suite's agnhost into the cache dir the `run` script uses (same rule: when
 * missing or older than the .xz) and returns its path; undefined when the suite has none.
 */
function agnhostBinary(dir) {
  const xz = join(dir, 'agnhost.xz');
  if (!existsSync(xz)) return undefined;
  const cache = process.env.TSKUBE_CONFORMANCE_CACHE ?? '/tmp/tskube-conformance';
  const bin = join(cache, 'agnhost');
  if (!existsSync(bin) || statSync(xz).mtimeMs > statSync(bin).mtimeMs) {
    mkdirSync(cache, { recursive: true });
    // A temporary name of this process's own: two runs started together (CI's probe run beside the
    // rest) may both unpack it, and a shared one was moved away under the other's chmod.
    execFileSync('sh', ['-c', 'xz -dc "$1" > "$2.$$.tmp" && chmod +x "$2.$$.tmp" && mv "$2.$$.tmp" "$2"', 'sh', xz, bin]);
  }
  return bin;
}

/**
 * imageCatalog writes the catalog of the e2e test images (test/conformance/images.mjs) so the
 * cluster's runtime finds them; undefined when there is no agnhost to build them from.
 */
async function imageCatalog(dir) {
  const agnhost = agnhostBinary(dir);
  if (!agnhost) return undefined;
  const { conformanceImages } = await import(join(ROOT, 'test/conformance/images.mjs'));
  return conformanceImages(agnhost);
}

/** startCluster runs bin/tskube.js up and resolves with its kubeconfig once it printed it. */
async function startCluster(o, dir) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tskube-conformance-'));
  const args = [join(ROOT, 'bin/tskube.js'), 'up', '--data-dir', dataDir, '--port', '0', '--nodes', String(o.nodes)];
  if (!o.upArgs.includes('--cluster-cidr')) args.push('--cluster-cidr', clusterCIDR());
  const catalog = await imageCatalog(dir);
  if (catalog) args.push('--images', catalog);
  args.push(...o.upArgs);
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = join(dataDir, 'tskube-up.log');
  let out = '';
  const onData = (d) => { out += d; appendFileSync(logFile, d); };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise((r) => proc.once('exit', r));
  await new Promise((res, rej) => {
    let up = false;
    const t = setInterval(() => { if (/export KUBECONFIG=/.test(out)) { clearInterval(t); up = true; res(); } }, 200);
    proc.once('exit', (code) => {
      clearInterval(t);
      if (up) return; // a crash later keeps its log for whoever reads the failures
      rmSync(dataDir, { recursive: true, force: true });
      rej(new Error(`tskube up exited (${code}):\n${out.slice(-4000)}`));
    });
  });
  return {
    dataDir, kubeconfig: join(dataDir, 'kubeconfig'), logFile, pid: proc.pid,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** waitNodesReady polls kubectl until n nodes report Ready (bounded by attempts). */
async function waitNodesReady(kubeconfig, n) {
  for (let i = 0; i < 300; i++) {
    try {
      const nodes = JSON.parse(sh('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json'])).items;
      const ready = nodes.filter((x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length >= n) return;
    } catch { /* API not answering yet */ }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`nodes did not become Ready`);
}

/** suite is the running `run` script, while there is one. */
let suite;

/** runSuite runs the folder's `run` script, streaming its progress lines, and returns the report dir. */
async function runSuite(dir, kubeconfig, o) {
  const reportDir = mkdtempSync(join(tmpdir(), 'conformance-report-'));
  const args = [kubeconfig, o.focus];
  if (o.skip) args.push(`--ginkgo.skip=${o.skip}`);
  // its own process group, so that an interrupted runner can stop the suite (run, e2e.test, tee) too
  const p = spawn(join(dir, 'run'), args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: { ...process.env, REPORT_DIR: reportDir, ...(o.timeout ? { GINKGO_TIMEOUT: o.timeout } : {}) } });
  suite = p;
  await new Promise((r) => p.once('exit', r));
  suite = undefined;
  return reportDir;
}

/** explainFailure prints what helps find why a spec failed: its steps, its failure, tskube's errors meanwhile. */
function explainFailure(spec, logFile) {
  console.log(`\n--- ${spec.name}`);
  console.log(stepsOf(spec).slice(-10).map((l) => `  ${l}`).join('\n'));
  console.log(spec.failure.split('\n').slice(0, 30).map((l) => `  | ${l}`).join('\n'));
  const w = windowOf(spec);
  if (w && logFile && existsSync(logFile)) {
    const lines = clusterLogDuring(readFileSync(logFile, 'utf8'), w);
    console.log(lines.length ? `  tskube's warnings and errors meanwhile:\n${lines.map((l) => `    ${l}`).join('\n')}` : '  (tskube logged no warning or error meanwhile)');
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const passing = readPassing(o.passing);
  if (o.junit) {
    const { regressions, fresh } = summarize(parseJunit(readFileSync(o.junit, 'utf8')), passing);
    if (o.record && fresh.length) { record(o.passing, fresh.map((s) => s.name)); console.log(`recorded ${fresh.length} specs in ${o.passing}`); }
    process.exit(regressions.length ? 1 : 0);
  }
  const c = conformanceDir();
  if (c.missing) {
    if (c.explicit) { console.error(`conformance: TSKUBE_CONFORMANCE_DIR=${c.dir} has no run script`); process.exit(2); }
    console.log(`conformance: skipped — no Kubernetes conformance suite at ${c.dir} (set TSKUBE_CONFORMANCE_DIR to its folder)`);
    process.exit(0);
  }
  const started = Date.now();
  let cluster;
  const stop = async () => { if (cluster) { const cl = cluster; cluster = undefined; await cl.stop(); } };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      if (suite?.pid) { try { process.kill(-suite.pid, 'SIGINT'); } catch { /* already gone */ } }
      stop().finally(() => process.exit(130));
    });
  }
  let kubeconfig = o.kubeconfig;
  try {
    if (!kubeconfig) {
      console.log(`conformance: starting tskube up --nodes ${o.nodes}`);
      cluster = await startCluster(o, c.dir);
      kubeconfig = cluster.kubeconfig;
      console.log(`conformance: cluster up (pid ${cluster.pid}, log ${cluster.logFile})`);
    }
    await waitNodesReady(kubeconfig, o.kubeconfig ? 1 : o.nodes);
    const reportDir = await runSuite(c.dir, kubeconfig, o);
    const junit = join(reportDir, 'junit.xml');
    if (!existsSync(junit)) { console.error(`conformance: the suite wrote no junit.xml (see ${join(reportDir, 'e2e.log')})`); process.exitCode = 1; return; }
    const specs = parseJunit(readFileSync(junit, 'utf8'));
    const { regressions, fresh } = summarize(specs, passing);
    console.log(`\nreport: ${reportDir} (junit.xml, e2e.log); took ${Math.round((Date.now() - started) / 1000)} s`);
    if (o.record && fresh.length) { record(o.passing, fresh.map((s) => s.name)); console.log(`recorded ${fresh.length} specs in ${o.passing}`); }
    if (regressions.length) {
      for (const s of regressions) explainFailure(s, cluster?.logFile);
      // A listed spec that failed runs once more on the same cluster: one that passes then is reported
      // as flaky (and stays a failure in the summary above); one that fails again fails the run.
      const failedAgain = [];
      for (const s of regressions) {
        console.log(`\nconformance: running again once: ${s.name}`);
        const again = parseJunit(readFileSync(join(await runSuite(c.dir, kubeconfig, { ...o, focus: focusFor(s.name), skip: undefined }), 'junit.xml'), 'utf8'));
        const result = again.find((x) => x.name === s.name);
        if (result?.status === 'passed') console.log(`conformance: FLAKY: failed once, passed when run again: ${s.name}`);
        else { failedAgain.push(s); if (result) explainFailure(result, cluster?.logFile); }
      }
      if (failedAgain.length) {
        console.error(`\nconformance: ${failedAgain.length} spec(s) listed in ${o.passing} failed (and failed again when run once more)`);
        process.exitCode = 1;
      }
    }
  } finally {
    await stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => { console.error(`conformance: ${e instanceof Error ? e.message : e}`); process.exit(1); });
}
