import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfig } from './load.js';
import { mergePluginSet } from './defaults.js';

test('loadConfigFile reads YAML profiles, defaults the rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sched-cfg-'));
  const f = join(dir, 'config.yaml');
  writeFileSync(f, `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`);
  const cfg = loadConfigFile(f);
  assert.equal(cfg.percentageOfNodesToScore, 30);
  assert.equal(cfg.podInitialBackoffSeconds, 1);
  assert.equal(cfg.podMaxBackoffSeconds, 10);
  assert.deepEqual(cfg.profiles.map((p) => p.schedulerName), ['default-scheduler', 'bin-packing']);
  const bp = cfg.profiles[1];
  assert.deepEqual(bp.plugins.score?.disabled, [{ name: 'NodeResourcesBalancedAllocation' }]);
  assert.deepEqual(bp.pluginConfig.find((c) => c.name === 'NodeResourcesFit')?.args, { scoringStrategy: { type: 'MostAllocated' } });
  assert.deepEqual(cfg.profiles[0].pluginConfig.find((c) => c.name === 'DefaultPreemption')?.args, { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
});

test('parseConfig errors', () => {
  const cases = [
    { name: 'old version', doc: { apiVersion: 'kubescheduler.config.k8s.io/v1beta3', kind: 'KubeSchedulerConfiguration' }, want: 'no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io/v1beta3" in scheme "pkg/scheduler/apis/config/scheme/scheme.go:30"' },
    { name: 'percentage out of range', doc: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', percentageOfNodesToScore: 120 }, want: 'percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]' },
    { name: 'duplicate profiles', doc: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ schedulerName: 'a' }, { schedulerName: 'a' }] }, want: 'profiles[1].schedulerName: Duplicate value: "a"' },
    { name: 'unknown plugin', doc: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] }, want: 'profiles[0].plugins.filter.enabled: Invalid value: "Nope": plugin does not exist' },
    { name: 'back-off order', doc: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 2 }, want: 'podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds' },
  ];
  for (const c of cases) assert.throws(() => parseConfig(c.doc), (e: Error) => e.message === c.want, c.name);
});

test('mergePluginSet: re-enabled defaults keep their place, "*" drops the defaults', () => {
  const defaults = { enabled: [{ name: 'A' }, { name: 'B', weight: 1 }, { name: 'C' }] };
  assert.deepEqual(mergePluginSet(defaults, { enabled: [{ name: 'D' }, { name: 'B', weight: 5 }], disabled: [{ name: 'C' }] }).enabled, [{ name: 'A' }, { name: 'B', weight: 5 }, { name: 'D' }]);
  assert.deepEqual(mergePluginSet(defaults, { enabled: [{ name: 'D' }], disabled: [{ name: '*' }] }).enabled, [{ name: 'D' }]);
});
