import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimTestCIDR } from './test-cidr.js';

const claimsDir = () => mkdtempSync(join(tmpdir(), 'tskube-cidr-test-'));
const noRoutes = () => '';

it('two claims never get the same range; a released one is free again', () => {
  const dir = claimsDir();
  const a = claimTestCIDR({ dir, octets: [170, 171], routes: noRoutes });
  const b = claimTestCIDR({ dir, octets: [170, 171], routes: noRoutes });
  assert.deepEqual([a.cidr, b.cidr].sort(), ['10.170.0.0/16', '10.171.0.0/16']);
  assert.throws(() => claimTestCIDR({ dir, octets: [170, 171], routes: noRoutes }), /no free pod range for a test cluster/);
  a.release();
  assert.equal(claimTestCIDR({ dir, octets: [170, 171], routes: noRoutes }).cidr, a.cidr);
});

it('skips a range a route of the machine touches, and the ranges asked to avoid', () => {
  const dir = claimsDir();
  const routes = () => '10.170.0.0/24 dev tsk-abc-1234 proto kernel scope link src 10.170.0.1\n';
  assert.equal(claimTestCIDR({ dir, octets: [170, 171, 172], avoid: [172], routes }).cidr, '10.171.0.0/16');
});

it('takes over the claim of a process that is gone, never one that lives or is still being written', () => {
  const dir = claimsDir();
  for (const [b, owner] of [[180, '111 5'], [181, '222 7']] as const) {
    mkdirSync(join(dir, String(b)));
    writeFileSync(join(dir, String(b), 'owner'), owner);
  }
  mkdirSync(join(dir, '182'));
  const alive = (pid: number) => pid === 222;
  const c = claimTestCIDR({ dir, octets: [180, 181, 182], routes: noRoutes, alive });
  assert.equal(c.cidr, '10.180.0.0/16');
  assert.deepEqual(readdirSync(dir).sort(), ['180', '181', '182']);
});

it('release gives back only its own claim', () => {
  const dir = claimsDir();
  const c = claimTestCIDR({ dir, octets: [190], routes: noRoutes });
  // taken over meanwhile (as if this process had been judged gone)
  writeFileSync(join(dir, '190', 'owner'), '999 1');
  c.release();
  assert.deepEqual(readdirSync(dir), ['190']);
});
