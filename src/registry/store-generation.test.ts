import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bumpGenerationAfterAdmission } from './store.js';

const deploy = (replicas: number, generation: number | undefined, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', generation, labels: extra.labels as Record<string, string> | undefined },
  spec: { replicas }, status: { replicas: 1, ...(extra.status as object) },
});

test('bumpGenerationAfterAdmission: a spec a webhook changed bumps generation once; metadata and status changes do not', () => {
  const old = deploy(1, 3);
  const mutated = deploy(5, 3);
  bumpGenerationAfterAdmission(mutated, old);
  assert.equal(mutated.metadata.generation, 4, 'spec changed by admission');
  const already = deploy(5, 4);
  bumpGenerationAfterAdmission(already, old);
  assert.equal(already.metadata.generation, 4, 'the strategy had bumped it already: not twice');
  const labelled = deploy(1, 3, { labels: { a: 'b' }, status: { replicas: 2 } });
  bumpGenerationAfterAdmission(labelled, old);
  assert.equal(labelled.metadata.generation, 3, 'labels and status are not spec');
  const untracked = deploy(5, undefined);
  bumpGenerationAfterAdmission(untracked, deploy(1, undefined));
  assert.equal(untracked.metadata.generation, undefined, 'kinds without generation stay without');
});
