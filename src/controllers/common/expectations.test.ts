import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { ControllerExpectations, EXPECTATIONS_TTL_MS } from './expectations.js';

describe('ControllerExpectations', () => {
  it('is satisfied when nothing was recorded', () => {
    assert.equal(new ControllerExpectations(new FakeClock()).satisfiedExpectations('ns/rs'), true);
  });

  it('creations: unsatisfied until every create is observed', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('ns/rs', 2);
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfiedExpectations('ns/rs'), true);
  });

  it('deletions are tracked by pod key: observing the same pod twice counts once', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    assert.deepEqual(e.pending('ns/rs'), { add: 0, del: 1 });
    e.deletionObserved('ns/rs', 'ns/other');
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    e.deletionObserved('ns/rs', 'ns/b');
    assert.equal(e.satisfiedExpectations('ns/rs'), true);
  });

  it('lower/raise adjust what is pending (skipped slow-start batches)', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('k', 7);
    e.lowerExpectations('k', 6, 0);
    assert.deepEqual(e.pending('k'), { add: 1, del: 0 });
    e.raiseExpectations('k', 2, 1);
    assert.deepEqual(e.pending('k'), { add: 3, del: 1 });
  });

  it('expires after the TTL so a lost event never wedges a controller', async () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    e.expectCreations('k', 1);
    await clock.step(EXPECTATIONS_TTL_MS);
    assert.equal(e.satisfiedExpectations('k'), false);
    await clock.step(1);
    assert.equal(e.satisfiedExpectations('k'), true);
  });

  it('setExpectations records creations and tracked deletions together', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.setExpectations('k', 1, ['ns/old']);
    e.creationObserved('k');
    assert.equal(e.satisfiedExpectations('k'), false);
    e.deletionObserved('k', 'ns/old');
    assert.equal(e.satisfiedExpectations('k'), true);
  });

  it('deleteExpectations forgets the key', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('k', 3);
    e.deleteExpectations('k');
    assert.equal(e.pending('k'), undefined);
    assert.equal(e.satisfiedExpectations('k'), true);
  });
});
