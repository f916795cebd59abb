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

it('skips a range a route of the machine touches', () => {
  const dir = claimsDir();
  const routes = () => '10.170.0.0/24 dev tsk-abc-1234 proto kernel scope link src 10.170.0.1\n';
  const c = claimTestCIDR({ dir, octets: [170, 171], routes });
  assert.deepEqual([c.cidr, c.prefix], ['10.171.0.0/16', '10.171']);
});

it('takes over the claim of a process that is gone, never one that lives', () => {
  const dir = claimsDir();
  for (const [b, owner] of [[180, '111 5'], [181, '222 7']] as const) {
    mkdirSync(join(dir, String(b)));
    writeFileSync(join(dir, String(b), 'owner'), owner);
  }
  const alive = (pid: number) => pid === 222 || pid === process.pid;
  const c = claimTestCIDR({ dir, octets: [180, 181], routes: noRoutes, alive });
  assert.equal(c.cidr, '10.180.0.0/16');
  assert.deepEqual(readdirSync(dir).sort(), ['180', '181']);
  assert.throws(() => claimTestCIDR({ dir, octets: [180, 181], routes: noRoutes, alive }), /no free pod range/);
});

it('release gives back only its own claim', () => {
  const dir = claimsDir();
  const c = claimTestCIDR({ dir, octets: [190], routes: noRoutes });
  // taken over meanwhile (as if this process had been judged gone)
  writeFileSync(join(dir, '190', 'owner'), '999 1');
  c.release();
  assert.deepEqual(readdirSync(dir), ['190']);
});
