import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
// @ts-expect-error: a plain ESM script without type declarations
import { clusterLogDuring, focusFor, groupOf, parseJunit, readPassing, stepsOf, summarize, windowOf } from '../../scripts/conformance.mjs';

// scripts/conformance.mjs reads Ginkgo's junit report (the shape the v1.28 e2e binary writes) into a
// per-group summary and holds the must-pass list; these tests need no cluster and no suite.

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
  <testsuites tests="6" disabled="2" errors="0" failures="2" time="10.5">
      <testsuite name="Kubernetes e2e suite" tests="6" skipped="2" failures="2" time="10.5">
          <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="0.1"></testcase>
          <testcase name="[It] [sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]" classname="Kubernetes e2e suite" status="passed" time="3.2">
              <system-err>&gt; Enter [BeforeEach]</system-err>
          </testcase>
          <testcase name="[It] [sig-api-machinery] ResourceQuota should manage the lifecycle of a ResourceQuota [Conformance]" classname="Kubernetes e2e suite" status="failed" time="0.05">
              <failure message="the server could not find the requested resource" type="failed">[FAILED] the server could not find the requested resource&#xA;In [It] at: resource_quota.go:967</failure>
              <system-err>&gt; Enter [BeforeEach]</system-err>
          </testcase>
          <testcase name="[It] [sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]" classname="Kubernetes e2e suite" status="timedout" time="300">
              <failure message="" type="timedout">[TIMEDOUT] A suite timeout occurred&#xA;In [It] at: pods.go:1</failure>
          </testcase>
          <testcase name="[It] [sig-storage] Projected secret should be consumable from pods in volume [NodeConformance] [Conformance]" classname="Kubernetes e2e suite" status="skipped" time="0">
              <skipped message="skipped"></skipped>
          </testcase>
          <testcase name="[It] [sig-node] Probing container with readiness probe that fails should never be ready [Conformance]" classname="Kubernetes e2e suite" status="skipped" time="0.2">
              <skipped message="skipped - Only supported for providers [gce]"></skipped>
          </testcase>
      </testsuite>
  </testsuites>`;

describe('conformance runner', () => {
  it('parses specs: the [It] prefix dropped, timeouts failed, left-out specs told from skipped ones', () => {
    const specs = parseJunit(JUNIT);
    const by = Object.fromEntries(specs.map((s: { name: string }) => [s.name, s]));
    assert.equal(by['[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]'].status, 'passed');
    const quota = by['[sig-api-machinery] ResourceQuota should manage the lifecycle of a ResourceQuota [Conformance]'];
    assert.equal(quota.status, 'failed');
    assert.equal(quota.failure, 'the server could not find the requested resource');
    const pods = by['[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]'];
    assert.equal(pods.status, 'failed');
    assert.match(pods.failure, /^\[TIMEDOUT\] A suite timeout occurred\nIn \[It\]/, 'an empty message falls back to the failure text');
    assert.equal(by['[sig-storage] Projected secret should be consumable from pods in volume [NodeConformance] [Conformance]'].status, 'unselected');
    assert.equal(by['[sig-node] Probing container with readiness probe that fails should never be ready [Conformance]'].status, 'skipped');
    assert.equal(by['[SynchronizedBeforeSuite]'].status, 'passed');
    assert.equal(groupOf('[sig-api-machinery] x'), 'api-machinery');
    assert.equal(groupOf('[SynchronizedBeforeSuite]'), 'other');
  });

  it('summarizes per group and returns the listed specs that failed and the passing ones not listed', () => {
    const out: string[] = [];
    const listed = ['[sig-api-machinery] ResourceQuota should manage the lifecycle of a ResourceQuota [Conformance]'];
    const { regressions, fresh } = summarize(parseJunit(JUNIT), listed, (l: string) => out.push(l));
    const text = out.join('\n');
    assert.match(text, /api-machinery\s+1 \/\s+1 \/\s+0/);
    assert.match(text, /node\s+0 \/\s+1 \/\s+1/);
    assert.doesNotMatch(text, /storage/, 'a group with only left-out specs is not listed');
    assert.match(text, /!! \[sig-api-machinery\] ResourceQuota should manage the lifecycle of a ResourceQuota \[Conformance\]\n\s+the server could not find the requested resource/);
    assert.deepEqual(regressions.map((s: { name: string }) => s.name), listed);
    assert.deepEqual(fresh.map((s: { name: string }) => s.name), ['[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]']);
  });

  it('--junit exits 1 when a listed spec failed and 0 when none did; --record keeps the list sorted by group', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-runner-'));
    try {
      const junit = join(dir, 'junit.xml');
      writeFileSync(junit, JUNIT);
      const passing = join(dir, 'passing.txt');
      writeFileSync(passing, '# must pass\n[sig-node] Some node spec [Conformance]\n');
      const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/conformance.mjs', '--junit', junit, '--passing', passing, ...args], { encoding: 'utf8' });
      const rec = run('--record');
      assert.equal(rec.status, 0, rec.stderr);
      assert.deepEqual(readFileSync(passing, 'utf8').split('\n'), [
        '# must pass',
        '[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]',
        '[sig-node] Some node spec [Conformance]',
        '',
      ]);
      writeFileSync(passing, '[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]\n');
      assert.deepEqual(readPassing(passing), ['[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]']);
      const failed = run();
      assert.equal(failed.status, 1);
      assert.match(failed.stdout, /!! \[sig-node\] Pods should be submitted and removed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips with a message when the suite is not there, and fails when TSKUBE_CONFORMANCE_DIR names a missing folder', () => {
    const missing = join(tmpdir(), 'no-such-conformance-dir');
    const explicit = spawnSync(process.execPath, ['scripts/conformance.mjs'], { encoding: 'utf8', env: { ...process.env, TSKUBE_CONFORMANCE_DIR: missing } });
    assert.equal(explicit.status, 2);
    assert.match(explicit.stderr, /TSKUBE_CONFORMANCE_DIR=.*no-such-conformance-dir has no run script/);
    // a checkout with no ../shared/tools/conformance beside it: the script's copy in an empty tree
    const tree = mkdtempSync(join(tmpdir(), 'conformance-checkout-'));
    try {
      mkdirSync(join(tree, 'checkout', 'scripts'), { recursive: true });
      copyFileSync('scripts/conformance.mjs', join(tree, 'checkout', 'scripts', 'conformance.mjs'));
      const env: NodeJS.ProcessEnv = { ...process.env, TSKUBE_REQUIRE_SYSTEM_TOOLS: '1' };
      delete env.TSKUBE_CONFORMANCE_DIR;
      const skipped = spawnSync(process.execPath, [join(tree, 'checkout', 'scripts', 'conformance.mjs')], { encoding: 'utf8', env });
      assert.equal(skipped.status, 0, skipped.stderr);
      assert.match(skipped.stdout, /conformance: skipped — no Kubernetes conformance suite at .*conformance-checkout-.*\/shared\/tools\/conformance/);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});

describe('conformance runner: explaining a failure', () => {
  const spec = {
    name: '[sig-x] Thing should work. [Conformance]', status: 'failed', failure: 'timed out', time: 65,
    log: [
      '> Enter [BeforeEach] [sig-x] Thing - /tmp/k8s/test/e2e/framework/framework.go:220 @ 11/28/26 09:43:15.218',
      'STEP: Creating a thing - /tmp/k8s/test/e2e/x/thing.go:102 @ 11/28/26 09:43:15.239',
      'STEP: Waiting for the thing - /tmp/k8s/test/e2e/x/thing.go:112 @ 11/28/26 09:43:20.5',
      '< Exit [It] [sig-x] Thing - /tmp/k8s/test/e2e/x/thing.go:99 @ 11/28/26 09:44:20.246 (1m5s)',
    ].join('\n'),
  };

  it('reads the steps and the time span from the spec\'s junit log', () => {
    assert.deepEqual(stepsOf(spec), ['STEP: Creating a thing @ 11/28/26 09:43:15.239', 'STEP: Waiting for the thing @ 11/28/26 09:43:20.5']);
    assert.deepEqual(windowOf(spec), [Date.UTC(2026, 10, 28, 9, 43, 15, 218), Date.UTC(2026, 10, 28, 9, 44, 20, 246)]);
    assert.equal(windowOf({ ...spec, log: 'no times' }), undefined);
  });

  it('picks tskube\'s warning and error lines written during the spec', () => {
    const log = [
      'E1128 09:43:10.000 api] before the spec',
      'I1128 09:43:16.000 api] info is left out',
      'W1128 09:43:17.500 resourcequota-controller] a warning',
      'E1128 09:44:00.001 informer] an error',
      'E1128 09:44:30.000 api] after the spec',
    ].join('\n');
    assert.deepEqual(clusterLogDuring(log, windowOf(spec)!), [
      'W1128 09:43:17.500 resourcequota-controller] a warning', 'E1128 09:44:00.001 informer] an error',
    ]);
    assert.deepEqual(clusterLogDuring(log, windowOf(spec)!, 1), ['W1128 09:43:17.500 resourcequota-controller] a warning', '… 1 more']);
  });

  it('focuses a retry on the one spec, its brackets and dots taken literally', () => {
    const re = new RegExp(focusFor('[sig-x] Thing should work. [Conformance]'));
    assert.ok(re.test(' [sig-x] Thing should work. [Conformance]'));
    assert.ok(!re.test('[sig-x] Thing should workX [Conformance]'));
    assert.ok(!re.test('[sig-x] Thing should work. [Conformance] and more'));
  });
});
