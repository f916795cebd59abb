import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configz, goDuration, type KubeletSettings } from './configz.js';

const settings: KubeletSettings = {
  address: '10.0.0.5', port: 10250, podLogsDir: '/var/lib/tskube/pods', clusterDomain: 'cluster.local', clusterDNS: ['10.96.0.10'],
  nodeStatusUpdateMs: 10_000, nodeStatusReportMs: 300_000, nodeLeaseDurationSeconds: 40,
  imageGC: { minAgeMs: 120_000, highThresholdPercent: 85, lowThresholdPercent: 80 }, cgroupDriver: 'cgroupfs', maxPods: 110, podPidsLimit: -1,
  resolvConf: '/etc/resolv.conf', nodeStatusMaxImages: 50, evictionHard: { 'nodefs.available': '10%', 'memory.available': '100Mi' },
  evictionPressureTransitionMs: 300_000, logging: { format: 'text', verbosity: 2 },
};

describe('goDuration', () => {
  it('writes durations as Go does', () => {
    assert.deepEqual([0, 100, 10_000, 60_000, 120_000, 300_000, 4 * 3600_000, 1500, 90_000].map(goDuration),
      ['0s', '100ms', '10s', '1m0s', '2m0s', '5m0s', '4h0m0s', '1.5s', '1m30s']);
  });
});

describe('configz', () => {
  it('is {"kubeletconfig": …} in v1beta1 field names, without kind or apiVersion, maps sorted as Go marshals them', () => {
    const body = JSON.parse(configz(settings)) as { kubeletconfig: Record<string, unknown> };
    assert.deepEqual(Object.keys(body), ['kubeletconfig']);
    const c = body.kubeletconfig;
    assert.equal(c.kind, undefined);
    assert.equal(c.apiVersion, undefined);
    assert.equal(c.port, 10250);
    assert.deepEqual(c.clusterDNS, ['10.96.0.10']);
    assert.equal(c.cgroupDriver, 'cgroupfs');
    assert.equal(c.nodeStatusUpdateFrequency, '10s');
    assert.equal(c.imageMinimumGCAge, '2m0s');
    assert.equal(c.evictionPressureTransitionPeriod, '5m0s');
    assert.equal(c.maxPods, 110);
    assert.deepEqual(Object.keys(c.evictionHard as object), ['memory.available', 'nodefs.available']);
    assert.deepEqual(c.logging, { format: 'text', verbosity: 2 });
    assert.equal(c.enableSystemLogHandler, false, 'no /logs/');
    assert.equal(c.containerRuntimeEndpoint, undefined);
    const keys = Object.keys(c);
    assert.ok(keys.indexOf('address') < keys.indexOf('port') && keys.indexOf('clusterDomain') < keys.indexOf('clusterDNS') && keys.indexOf('maxPods') < keys.indexOf('evictionHard'), 'the struct\'s order');
  });
  it('names the CRI endpoint when there is one', () => {
    const c = (JSON.parse(configz({ ...settings, containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock' })) as { kubeletconfig: Record<string, unknown> }).kubeletconfig;
    assert.equal(c.containerRuntimeEndpoint, 'unix:///run/containerd/containerd.sock');
  });
});
