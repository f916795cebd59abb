import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageCatalog, fullyQualified } from './image-catalog.js';
import { ImagePullError } from './types.js';

test('a tag the registry does not publish is not found, as containerd says it', () => {
  const catalog = new ImageCatalog();
  // the Deployment walkthrough's rollout to a mistyped tag gets stuck pulling
  assert.throws(() => catalog.resolve('nginx:1.161', false), (e: unknown) => e instanceof ImagePullError &&
    e.message === 'Failed to pull image "nginx:1.161": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.161": ' +
      'failed to resolve reference "docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found');
  // a command does not make an unpublished tag pullable
  assert.throws(() => catalog.resolve('nginx:1.161', true), ImagePullError);
  for (const tag of ['1.14.2', '1.16.1', '1.27.3-alpine', 'latest', 'stable-alpine']) {
    assert.deepEqual(catalog.resolve(`nginx:${tag}`, false).entrypoint.slice(0, 1), ['node'], tag);
  }
  assert.ok(catalog.resolve('nginx', false).entrypoint.length > 0);
});

test('an entry for name:tag wins over the name\'s tag list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-'));
  const file = path.join(dir, 'extra.yaml');
  fs.writeFileSync(file, 'images:\n  nginx:9.9: { cmd: [sh] }\n');
  const catalog = new ImageCatalog(undefined);
  catalog.load(file);
  assert.deepEqual(catalog.resolve('nginx:9.9', false).cmd, ['sh']);
  assert.throws(() => catalog.resolve('nginx:9.8', false), ImagePullError);
  fs.rmSync(dir, { recursive: true });
});

test('the documentation walkthroughs\' images resolve', () => {
  const catalog = new ImageCatalog();
  for (const image of ['registry.k8s.io/busybox', 'registry.k8s.io/e2e-test-images/agnhost:2.40', 'registry.k8s.io/goproxy:0.1',
    'registry.k8s.io/hpa-example', 'registry.k8s.io/nginx-slim:0.24', 'us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5',
    'quay.io/fluentd_elasticsearch/fluentd:v2.5.2', 'registry.k8s.io/serve_hostname', 'k8s.gcr.io/serve_hostname:1.4', 'radial/busyboxplus:curl']) {
    const info = catalog.resolve(image, false);
    assert.ok(info.entrypoint.length + info.cmd.length > 0, image);
  }
  assert.equal(catalog.appletsOf('registry.k8s.io/busybox:1.27.2'), 'busybox');
  for (const image of ['radial/busyboxplus:curl', 'gcr.io/google-containers/busybox', 'registry.k8s.io/e2e-test-images/agnhost:2.39']) assert.equal(catalog.appletsOf(image), 'busybox', image);
});

test('seed 004\'s images resolve: the HPA example under its old registries, the guestbook\'s redis master and replica', () => {
  const catalog = new ImageCatalog();
  for (const image of ['gcr.io/google_containers/hpa-example', 'k8s.gcr.io/hpa-example:latest']) {
    assert.deepEqual(catalog.resolve(image, false).entrypoint, catalog.resolve('registry.k8s.io/hpa-example', false).entrypoint, image);
  }
  for (const image of ['kubeguide/redis-master', 'kubeguide/redis-master:2.0']) {
    assert.match(catalog.resolve(image, false).entrypoint.join(' '), /^node \S+\/redis\.cjs$/, image);
  }
  // the replica follows the guestbook's run.sh: its master by Service environment or by DNS name
  const slave = catalog.resolve('kubeguide/redis-slave', false).entrypoint;
  assert.equal(slave[0], 'sh');
  for (const [env, master] of [[{ GET_HOSTS_FROM: 'env', REDIS_MASTER_SERVICE_HOST: '10.96.0.7' }, '10.96.0.7'], [{}, 'redis-master']] as const) {
    const script = slave[2].replace('exec node', 'echo node');
    const out = execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    assert.match(out.trim(), new RegExp(`redis\\.cjs --slaveof ${master.replaceAll('.', '\\.')} 6379$`));
  }
});

test('fullyQualified names the registry and library/ as containerd does', () => {
  assert.equal(fullyQualified('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(fullyQualified('luksa/kubia:v2'), 'docker.io/luksa/kubia:v2');
  assert.equal(fullyQualified('registry.k8s.io/goproxy:0.1'), 'registry.k8s.io/goproxy:0.1');
  assert.equal(fullyQualified('localhost:5000/app'), 'localhost:5000/app:latest');
});

test('the perl image computes the Jobs walkthrough\'s pi to 2000 digits', () => {
  const info = new ImageCatalog().resolve('perl:5.34.0', true);
  const out = execFileSync('perl', ['-Mbignum=bpi', '-wle', 'print bpi(2000)'], { env: { ...process.env, ...info.env }, encoding: 'utf8' });
  assert.equal(out.trim().length, 2001);
  assert.ok(out.startsWith('3.14159265358979323846264338327950288419716939937510'));
});

test('ImageCatalog.resolve: an image\'s answer is kept and shared (frozen) until the next load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-cache-'));
  const file = path.join(dir, 'images.yaml');
  fs.writeFileSync(file, 'images:\n  tool:\n    cmd: [sh]\n');
  const catalog = new ImageCatalog([file]);
  const first = catalog.resolve('tool', false);
  assert.equal(catalog.resolve('tool', false), first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.cmd));
  assert.throws(() => (first.cmd as string[]).push('x'), TypeError);
  fs.writeFileSync(file, 'images:\n  tool:\n    cmd: [bash]\n');
  catalog.load(file);
  assert.deepEqual(catalog.resolve('tool', false).cmd, ['bash'], 'a load replaces what was kept');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the log agents\' stand-ins stop at SIGTERM as fluentd does (a pod deletion does not wait out its grace period)', async () => {
  const { spawn } = await import('node:child_process');
  const catalog = new ImageCatalog();
  for (const image of ['gcr.io/google_containers/fluentd-elasticsearch:1.3', 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2']) {
    const argv = catalog.resolve(image, false).entrypoint;
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    // Signal once it has started (its first line is out): before that sh has no trap yet.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, image);
  }
});

test('the Tomcat stand-in stops at SIGTERM with a JVM\'s 143 (a deletion does not wait out its grace period)', async () => {
  const { spawn } = await import('node:child_process');
  const argv = new ImageCatalog().resolve('kubeguide/tomcat-app', false).entrypoint;
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, KUBIA_PORT: '0' } });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 143);
});

test('busybox has its own /etc/passwd and /etc/group: uid 1000 has no name, root is in wheel (the security context page\'s id)', () => {
  const catalog = new ImageCatalog();
  for (const image of ['busybox:1.28', 'registry.k8s.io/busybox', 'k8s.gcr.io/busybox', 'gcr.io/google_containers/busybox']) {
    const files = catalog.resolve(image, false).files ?? {};
    const passwd = fs.readFileSync(files['/etc/passwd']!, 'utf8').split('\n');
    const group = fs.readFileSync(files['/etc/group']!, 'utf8').split('\n');
    assert.ok(passwd.includes('root:x:0:0:root:/root:/bin/sh'), image);
    assert.ok(!passwd.some((l) => l.split(':')[2] === '1000'), image);
    assert.ok(group.includes('wheel:x:10:root'), image);
  }
});
