import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMAGES_DIR } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const COCKROACH = path.join(IMAGES_DIR, 'cockroach.cjs');


/** cli runs one short command to its end. */
function cli(args: string[], cwd = os.tmpdir()) {
  return spawnSync(process.execPath, [COCKROACH, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

/** node starts `cockroach start` in dir and collects its stdout and stderr. */
function node(dir: string, args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const p = spawnCollected(process.execPath, [COCKROACH, 'start', ...args], { cwd: dir });
  return { ...p, exited: p.exited.then((e) => e.code) };
}

test('cockroach CLI: no command prints the help (exit 0); an unknown flag or command fails as cobra does (exit 1); version', () => {
  const help = cli([]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^CockroachDB command-line interface and server\.\n\nUsage:\n {2}cockroach \[command\]\n\nAvailable Commands:\n {2}start {7}start a node\n/);
  assert.match(help.stdout, /Use "cockroach \[command\] --help" for more information about a command\.\n$/);

  // the book's trimmed script runs `/cockroach/cockroach --join cockroachdb-public` on pods 1 and 2
  const join = cli(['--join', 'cockroachdb-public']);
  assert.equal(join.status, 1);
  assert.match(join.stderr, /^Usage:\n {2}cockroach \[command\]\n/);
  assert.match(join.stderr, /\n\nError: unknown flag: --join\nFailed running "cockroach"\n$/);

  const badStart = cli(['start', '--frobnicate']);
  assert.equal(badStart.status, 1);
  assert.match(badStart.stderr, /^Usage:\n {2}cockroach start \[flags\]\n/);
  assert.match(badStart.stderr, /Error: unknown flag: --frobnicate\nFailed running "start"\n$/);

  const unknown = cli(['frob']);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr, 'Error: unknown command "frob" for "cockroach"\nRun \'cockroach --help\' for usage.\nFailed running "cockroach"\n');

  const version = cli(['version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^Build Tag: {4}v1\.0\.3\nBuild Time: {3}2017\/07\/06 17:46:06\nDistribution: CCL\nPlatform: {5}linux amd64\n/);

  const secure = cli(['start', '--store', path.join(os.tmpdir(), 'never-made')]);
  assert.equal(secure.status, 1);
  assert.match(secure.stderr, /did you mean to use --insecure\?/);
});

test('cockroach start: a new cluster, a node that joins it, sql -e, health endpoints, SIGTERM, and a restart from the store', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'a'));
  fs.mkdirSync(path.join(dir, 'b'));
  const [p1, h1, p2, h2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const flags = (port: number, http: number) => ['--logtostderr', '--insecure', '--host', '127.0.0.1', '--port', String(port), '--http-host', '127.0.0.1', '--http-port', String(http)];

  const first = node(path.join(dir, 'a'), flags(p1, h1));
  t.after(() => first.child.kill('SIGKILL'));
  await eventually(() => assert.match(first.out(), /^nodeID: {5}1$/m), 30_000);
  const store = path.join(dir, 'a', 'cockroach-data');
  assert.match(first.out(), new RegExp(`^CockroachDB node starting at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ \\+0000 UTC\\n` +
    `build: {6}CCL v1\\.0\\.3 @ 2017/07/06 17:46:06 \\(go1\\.8\\.3\\)\\nadmin: {6}http://127\\.0\\.0\\.1:${h1}\\n` +
    `sql: {8}postgresql://root@127\\.0\\.0\\.1:${p1}\\?application_name=cockroach&sslmode=disable\\n` +
    `logs: {7}${store}/logs\\nstore\\[0\\]: {3}path=${store}\\nstatus: {5}initialized new cluster\\nclusterID: {2}[0-9a-f-]{36}\\nnodeID: {5}1\\n`, 'm'));
  // --logtostderr: the log lines (glog's format) on stderr, and in the store's logs/ directory too
  assert.match(first.err(), /^I\d{6} \d\d:\d\d:\d\d\.\d{6} 1 cli\/start\.go:\d+ {2}CockroachDB CCL v1\.0\.3 /m);
  assert.match(fs.readFileSync(path.join(store, 'logs', 'cockroach.log'), 'utf8'), /Startup message:/);
  const clusterID = /^clusterID: {2}(\S+)$/m.exec(first.out())![1];

  const health = await fetch(`http://127.0.0.1:${h1}/health`);
  assert.equal(health.status, 200);
  assert.equal((await health.json() as { nodeId: number }).nodeId, 1);
  assert.equal((await fetch(`http://127.0.0.1:${h1}/_admin/v1/health`)).status, 200);

  const second = node(path.join(dir, 'b'), [...flags(p2, h2), '--join', `127.0.0.1:${p1}`]);
  t.after(() => second.child.kill('SIGKILL'));
  await eventually(() => assert.match(second.out(), /^nodeID: {5}2$/m), 30_000);
  assert.match(second.out(), /^status: {5}initialized new node, joined pre-existing cluster$/m);
  assert.match(second.out(), new RegExp(`^clusterID: {2}${clusterID}$`, 'm'));

  const create = cli(['sql', '--insecure', '--host', '127.0.0.1', '--port', String(p1), '-e', 'CREATE DATABASE bank']);
  assert.equal(create.stdout, 'CREATE DATABASE\n', create.stderr);
  assert.equal(cli(['sql', '--insecure', '--host', '127.0.0.1', '--port', String(p1), '-e', 'SHOW DATABASES']).stdout, '2 rows\nDatabase\nbank\nsystem\n');
  // any node answers for the cluster's catalog; statements also come on stdin, one result each
  assert.equal(cli(['sql', '--insecure', '--host', '127.0.0.1', '--port', String(p2), '-e', 'SHOW DATABASES']).stdout, '2 rows\nDatabase\nbank\nsystem\n');
  const piped = spawnSync(process.execPath, [COCKROACH, 'sql', '--insecure', `--host=127.0.0.1`, `--port=${p2}`], { input: 'CREATE DATABASE IF NOT EXISTS shop;\nSELECT 1;\nCREATE DATABASE bank;\n', encoding: 'utf8', timeout: 60_000 });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, 'CREATE DATABASE\n1 row\n1\n1\n');
  assert.equal(piped.stderr, 'Error: pq: database "bank" already exists\n');
  const refused = cli(['sql', '--insecure', '--host', '127.0.0.1', '--port', String(await freePort()), '-e', 'SELECT 1']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^Error: unable to connect or connection lost\./);

  // SIGTERM drains and exits 0; the store brings the same node back
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.match(first.out(), /initiating graceful shutdown of server\nserver drained and shutdown completed\n$/);
  const again = node(path.join(dir, 'a'), flags(p1, h1));
  t.after(() => again.child.kill('SIGKILL'));
  await eventually(() => assert.match(again.out(), /^nodeID: {5}1$/m), 30_000);
  assert.match(again.out(), /^status: {5}restarted pre-existing node$/m);
  assert.match(again.out(), new RegExp(`^clusterID: {2}${clusterID}$`, 'm'));
});

test('cockroach start --join: retries every second while no listed node answers', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-join-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dead = await freePort();
  const lonely = node(dir, ['--logtostderr', '--insecure', '--host', '127.0.0.1', '--port', String(await freePort()), '--http-port', String(await freePort()), '--join', `127.0.0.1:${dead}`]);
  t.after(() => lonely.child.kill('SIGKILL'));
  await eventually(() => assert.ok((lonely.err().match(new RegExp(`failed to start gossip client to 127\\.0\\.0\\.1:${dead}`, 'g')) ?? []).length >= 2, lonely.err()), 30_000);
  assert.doesNotMatch(lonely.out(), /CockroachDB node starting/);
});
