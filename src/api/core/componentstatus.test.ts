import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ComponentHealth, componentStatusPrinter, componentStatuses, etcdProbe, runningProbe } from './componentstatus.js';

describe('ComponentStatus', () => {
  it('reports registered components from their probes, unregistered ones as not running', async () => {
    const health = new ComponentHealth();
    let release!: () => void;
    const run = new Promise<void>((r) => { release = r; });
    health.register('scheduler', runningProbe('scheduler', run));
    const items = await componentStatuses(health, etcdProbe(async () => 7));
    assert.deepEqual(items.map((i) => [i.metadata?.name, i.conditions]), [
      ['scheduler', [{ type: 'Healthy', status: 'True', message: 'ok' }]],
      ['controller-manager', [{ type: 'Healthy', status: 'False', message: 'no controller-manager runs with this API server' }]],
      ['etcd-0', [{ type: 'Healthy', status: 'True', message: 'ok' }]],
    ]);
    release();
    await run;
    await new Promise((r) => setImmediate(r));
    const [scheduler] = await componentStatuses(health, etcdProbe(async () => 7));
    assert.deepEqual(scheduler.conditions, [{ type: 'Healthy', status: 'False', message: 'scheduler stopped' }]);
  });

  it('reports a failing store and a throwing probe', async () => {
    const health = new ComponentHealth();
    health.register('controller-manager', () => { throw new Error('boom'); });
    const items = await componentStatuses(health, etcdProbe(async () => { throw new Error('context deadline exceeded'); }));
    assert.deepEqual(items[1].conditions, [{ type: 'Healthy', status: 'Unknown', error: 'boom' }]);
    assert.deepEqual(items[2].conditions, [{ type: 'Healthy', status: 'False', error: 'context deadline exceeded' }]);
  });

  it('prints NAME STATUS MESSAGE ERROR as printComponentStatus', async () => {
    assert.deepEqual(componentStatusPrinter.columns.map((c) => c.name), ['Name', 'Status', 'Message', 'Error']);
    const now = new Date();
    const health = new ComponentHealth();
    health.register('scheduler', () => ({ status: 'True', message: 'ok' }));
    const rows = (await componentStatuses(health, etcdProbe(async () => { throw new Error('down'); }))).map((o) => componentStatusPrinter.cells(o, now));
    assert.deepEqual(rows, [
      ['scheduler', 'Healthy', 'ok', ''],
      ['controller-manager', 'Unhealthy', 'no controller-manager runs with this API server', ''],
      ['etcd-0', 'Unhealthy', '', 'down'],
    ]);
    assert.deepEqual(componentStatusPrinter.cells({ metadata: { name: 'x' } }, now), ['x', 'Unknown', '', '']);
  });
});
