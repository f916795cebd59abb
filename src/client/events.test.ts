import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from './testing/fake-client.js';
import { FakeClock } from '../util/clock.js';
import { EventRecorder } from './events.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' } };

describe('EventRecorder', () => {
  it('names events so they sort in the order they were recorded, even within one millisecond', async () => {
    const client = new FakeClient();
    const r = new EventRecorder(client, { component: 'test' }, new FakeClock());
    for (let i = 0; i < 20; i++) r.event(pod, 'Normal', `R${i}`, `m${i}`);
    await r.flush();
    const events = [...client.objects.values()].filter((o) => o.kind === 'Event');
    const byName = [...events].sort((a, b) => {
      const [x, y] = [a.metadata!.name!.split('.')[1], b.metadata!.name!.split('.')[1]];
      return x.length - y.length || (x < y ? -1 : 1);
    });
    assert.deepEqual(byName.map((e) => e.reason), Array.from({ length: 20 }, (_, i) => `R${i}`));
  });

  it('a repeat bumps count and lastTimestamp instead of writing a new event', async () => {
    const client = new FakeClient();
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const r = new EventRecorder(client, { component: 'kubelet', host: 'host01' }, clock);
    r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await clock.step(5000);
    r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await r.flush();
    const events = client.events();
    assert.equal(events.length, 1);
    assert.equal(events[0].count, 2);
    const ev = [...client.objects.values()].find((o) => o.kind === 'Event')!;
    assert.equal(ev.firstTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(ev.lastTimestamp, '2026-01-01T00:00:05Z');
    assert.deepEqual(ev.source, { component: 'kubelet', host: 'host01' });
  });
});
