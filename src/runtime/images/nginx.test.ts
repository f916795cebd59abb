import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const SCRIPT = path.join(IMAGES_DIR, 'nginx.cjs');
const CLI = path.join(IMAGES_DIR, 'nginx', 'nginx');
const PS = path.join(IMAGES_DIR, 'busybox-ps.cjs');
const hasPerl = fs.existsSync('/usr/bin/perl');
const isRoot = process.getuid?.() === 0;

/** children lists a process's children by PID (from /proc), each with its command line, name and uid. */
function children(pid: number): { pid: number; cmdline: string; comm: string; uid: number }[] {
  const out = [];
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      out.push({ pid: Number(d), cmdline: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0+$/, ''),
        comm: fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim(), uid: Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))![1]) });
    } catch { /* gone meanwhile */ }
  }
  return out;
}
const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));

test('nginx image: the nginx command, nginx.conf and the nginx user (101) are the image\'s files', () => {
  const files = new ImageCatalog().resolve('nginx', false).files ?? {};
  assert.equal(files['/usr/sbin/nginx'], CLI);
  assert.match(fs.readFileSync(files['/etc/nginx/nginx.conf'], 'utf8'), /^\nuser  nginx;\nworker_processes  auto;\n\nerror_log  \/var\/log\/nginx\/error\.log notice;\npid        \/var\/run\/nginx\.pid;\n/);
  assert.match(fs.readFileSync(files['/etc/passwd'], 'utf8'), /^nginx:x:101:101:/m);
  assert.match(fs.readFileSync(files['/etc/group'], 'utf8'), /^nginx:x:101:$/m);
  assert.equal(fs.statSync(CLI).mode & 0o111, 0o111);
});

test('nginx master: named nginx, its PID in the pid file, worker processes ("nginx: worker process", user 101 as root); HUP starts new workers; nginx -s quit stops it all', { skip: !hasPerl && 'needs perl' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pidFile = path.join(dir, 'nginx.pid');
  const env = { ...process.env, NGINX_PORT: String(await freePort()), NGINX_PID_FILE: pidFile };
  const app = spawnCollected(process.execPath, [SCRIPT, '--docker-entrypoint'], { env });
  t.after(() => app.child.kill('SIGKILL'));
  const master = app.child.pid!;
  await eventually(() => assert.equal(fs.readFileSync(pidFile, 'utf8'), `${master}\n`), 20_000);
  assert.equal(fs.readFileSync(`/proc/${master}/comm`, 'utf8').trim(), 'nginx');
  await eventually(() => assert.ok(children(master).every((c) => c.cmdline === 'nginx: worker process' && c.comm === 'nginx')), 10_000);
  const first = children(master);
  assert.equal(first.length, os.availableParallelism());
  if (isRoot) assert.deepEqual(first.map((c) => c.uid), first.map(() => 101));
  // the error log names the workers by their PIDs
  for (const w of first) assert.match(app.err(), new RegExp(`\\[notice\\] 1#1: start worker process ${w.pid}\\n`));
  // busybox's ps shows the master's title alone (it starts with its name)
  const ps = execFileSync(process.execPath, [PS, 'ax'], { encoding: 'utf8' }).split('\n');
  assert.ok(ps.some((l) => l.startsWith(`${String(master).padStart(5)} `) && l.endsWith(' nginx: master process nginx -g daemon off;')), ps.join('\n'));
  assert.ok(ps.some((l) => l.startsWith(`${String(first[0].pid).padStart(5)} `) && l.endsWith(' nginx: worker process')), ps.join('\n'));

  // kill -HUP: new workers, the old ones go, the master stays
  execFileSync(CLI, ['-s', 'reload'], { env });
  await eventually(() => assert.ok(first.every((w) => !alive(w.pid))), 10_000);
  const second = children(master).filter((c) => alive(c.pid));
  assert.equal(second.length, first.length);
  assert.ok(second.every((w) => !first.some((f) => f.pid === w.pid) && w.cmdline === 'nginx: worker process'));
  assert.match(app.err(), /signal 1 \(SIGHUP\) received, reconfiguring/);

  // the lifecycle page's preStop: nginx -s quit, then the master and its workers are gone
  execFileSync(CLI, ['-s', 'quit'], { env });
  assert.deepEqual(await app.exited, { code: 0, signal: null });
  await eventually(() => assert.ok(second.every((w) => !alive(w.pid))), 10_000);
});

test('nginx command: -v, -t, bad -s signals, and -s without a pid file, in nginx\'s words', () => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    try { return { code: 0, err: execFileSync(CLI, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }) }; } catch (e) {
      return { code: (e as { status: number }).status, err: String((e as { stderr: string }).stderr) };
    }
  };
  assert.deepEqual(run(['-s', 'bogus']), { code: 1, err: 'nginx: invalid option: "-s bogus"\n' });
  assert.deepEqual(run(['-s', 'quit'], { NGINX_PID_FILE: '/nonexistent/nginx.pid' }), { code: 1, err: 'nginx: [error] open() "/nonexistent/nginx.pid" failed (2: No such file or directory)\n' });
  const v = execFileSync(CLI, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(v, '');
  const both = execFileSync('sh', ['-c', `${CLI} -v 2>&1; ${CLI} -t 2>&1`], { encoding: 'utf8' });
  assert.equal(both, 'nginx version: nginx/1.27.3\nnginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n');
});
