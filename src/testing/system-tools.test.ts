import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasTool, missingReason, systemToolsRequired, type SystemTool } from './system-tools.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-tools-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));

describe('hasTool', () => {
  writeFileSync(join(dir, 'fake-tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'fake-tool'), 0o755);
  writeFileSync(join(dir, 'not-executable'), '');
  chmodSync(join(dir, 'not-executable'), 0o644);

  const cases: { name: string; tool: SystemTool; env?: NodeJS.ProcessEnv; want: boolean }[] = [
    { name: 'an executable path', tool: { name: 'x', path: join(dir, 'fake-tool') }, want: true },
    { name: 'a missing path', tool: { name: 'x', path: join(dir, 'nope') }, want: false },
    { name: 'a path that is not executable', tool: { name: 'x', path: join(dir, 'not-executable') }, want: false },
    { name: 'a directory is not a tool', tool: { name: 'x', path: dir }, want: false },
    { name: 'a command in PATH', tool: { name: 'x', command: 'fake-tool' }, env: { PATH: `/nonexistent:${dir}` }, want: true },
    { name: 'a command not in PATH', tool: { name: 'x', command: 'fake-tool' }, env: { PATH: '/nonexistent' }, want: false },
    { name: 'no PATH at all', tool: { name: 'x', command: 'fake-tool' }, env: {}, want: false },
    { name: 'a failing check', tool: { name: 'x', check: () => false }, want: false },
    { name: 'a passing check and command', tool: { name: 'x', command: 'fake-tool', check: () => true }, env: { PATH: dir }, want: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(hasTool(c.tool, c.env ?? process.env), c.want));
  }
});

describe('missingReason', () => {
  it('names the Debian package', () => {
    assert.equal(missingReason({ name: 'etcd', path: '/usr/bin/etcd', apt: 'etcd-server' }), 'etcd not installed — apt-get install etcd-server');
  });
  it('says how to get it when no package does, and what is wrong when it is not a program', () => {
    assert.equal(missingReason({ name: 'root', missing: 'not running as root', install: 'run as root' }), 'not running as root — run as root');
  });
});

it('systemToolsRequired reads TSKUBE_REQUIRE_SYSTEM_TOOLS=1', () => {
  assert.equal(systemToolsRequired({}), false);
  assert.equal(systemToolsRequired({ TSKUBE_REQUIRE_SYSTEM_TOOLS: '0' }), false);
  assert.equal(systemToolsRequired({ TSKUBE_REQUIRE_SYSTEM_TOOLS: '1' }), true);
});

// The contract with node's test runner, observed from outside: a suite and a test gated on a tool
// that is missing are counted as skipped with the install line, and the run passes; with
// TSKUBE_REQUIRE_SYSTEM_TOOLS=1 the same file fails.
describe('requireTool and describeNeeding under node --test', () => {
  const file = join(dir, 'gated.test.ts');
  writeFileSync(file, `
import { it, test } from 'node:test';
import { describeNeeding, requireTool } from ${JSON.stringify(pathToFileURL(join(ROOT_DIR, 'src/testing/system-tools.ts')).href)};
const missing = requireTool({ name: 'nosuchtool', path: '/nonexistent/nosuchtool', apt: 'nosuchtool-pkg' });
describeNeeding('a suite needing nosuchtool', { timeout: 60_000, ...missing }, () => {
  it('never runs', () => { throw new Error('ran'); });
  it('never runs either', () => { throw new Error('ran'); });
});
test('a test needing nosuchtool', missing, () => { throw new Error('ran'); });
test('a test needing sh', requireTool({ name: 'sh', command: 'sh' }), () => {});
`);
  const run = (env: NodeJS.ProcessEnv) => {
    // NODE_TEST_CONTEXT would make the child think it is one of this runner's files and not run.
    const { NODE_TEST_CONTEXT: _, ...parentEnv } = process.env;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT_DIR, env: { ...parentEnv, ...env }, encoding: 'utf8' });
    const count = (k: string) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(r.stdout)?.[1]);
    return { status: r.status, out: r.stdout + r.stderr, pass: count('pass'), fail: count('fail'), skipped: count('skipped') };
  };

  it('skips where the tool is missing, with the install line, and passes', () => {
    const r = run({ TSKUBE_REQUIRE_SYSTEM_TOOLS: '' });
    assert.equal(r.status, 0, r.out);
    assert.deepEqual({ pass: r.pass, fail: r.fail, skipped: r.skipped }, { pass: 1, fail: 0, skipped: 2 }, r.out);
    assert.match(r.out, /ok \d+ - a suite needing nosuchtool # SKIP skipped: nosuchtool not installed — apt-get install nosuchtool-pkg/);
    assert.match(r.out, /ok \d+ - a test needing nosuchtool # SKIP skipped: nosuchtool not installed — apt-get install nosuchtool-pkg/);
  });

  it('fails where the tool is missing when TSKUBE_REQUIRE_SYSTEM_TOOLS=1', () => {
    const r = run({ TSKUBE_REQUIRE_SYSTEM_TOOLS: '1' });
    assert.equal(r.status, 1, r.out);
    assert.deepEqual({ pass: r.pass, fail: r.fail, skipped: r.skipped }, { pass: 1, fail: 1, skipped: 2 }, r.out);
    assert.match(r.out, /not ok \d+ - requires nosuchtool/);
    assert.match(r.out, /nosuchtool not installed — apt-get install nosuchtool-pkg \(TSKUBE_REQUIRE_SYSTEM_TOOLS=1/);
  });
});
