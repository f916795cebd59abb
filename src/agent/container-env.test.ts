import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { ContainerConfigError, buildEnv, containerArgv, expand, fieldValue, resourceValue, withKubeletAnnotations, type ConfigSource } from './container-env.js';

const NODE = { cpu: 4, memory: 8 * 2 ** 30 };

/** source serves ConfigMaps and (decoded) Secrets from maps, as the agent's clientConfigSource does from the API. */
const source = (configMaps: Record<string, Record<string, string>> = {}, secrets: Record<string, Record<string, string>> = {}): ConfigSource => ({
  configMap: async (_ns, name) => (configMaps[name] ? { data: configMaps[name] } : undefined),
  secret: async (_ns, name) => secrets[name],
});

const pod: Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'host01', serviceAccountName: 'builder', containers: [{ name: 'app', image: 'busybox', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } } }, { name: 'side', image: 'busybox' }] },
};
const app = pod.spec!.containers[0];

describe('buildEnv', () => {
  it('envFrom first (with prefixes), then env in order, each value expanded against what came before', async () => {
    const c: Container = {
      ...app,
      envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' }, prefix: 'DB_' }],
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'URL', value: 'http://$(HOST):$(PORT)/$(MODE)' },
        { name: 'HOST', value: 'overridden' },
        { name: 'LITERAL', value: '$$(HOST) and $(UNKNOWN)' },
        { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'PORT' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
    };
    const env = await buildEnv(pod, c, source({ cfg: { HOST: 'db.local', PORT: '5432' } }, { creds: { password: 's3cret' } }), NODE, '10.0.0.5', '192.168.1.2');
    assert.deepEqual(env, {
      HOST: 'overridden', PORT: '5432', DB_password: 's3cret', MODE: 'prod', URL: 'http://db.local:5432/prod',
      LITERAL: '$(HOST) and $(UNKNOWN)', KEY: '5432', PASS: 's3cret', ME: 'web', MEM: '64',
    });
    assert.deepEqual(Object.keys(env), ['HOST', 'PORT', 'DB_password', 'MODE', 'URL', 'LITERAL', 'KEY', 'PASS', 'ME', 'MEM']);
  });

  it('missing sources are CreateContainerConfigError in kubelet\'s words, unless optional', async () => {
    const fails = async (c: Container, message: string) => {
      await assert.rejects(buildEnv(pod, c, source({ cfg: { a: '1' } }, { s: { b: '2' } }), NODE, '', ''), (e: unknown) => {
        assert.ok(e instanceof ContainerConfigError);
        assert.equal(e.reason, 'CreateContainerConfigError');
        assert.equal(e.message, message);
        return true;
      });
    };
    await fails({ name: 'x', envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found');
    await fails({ name: 'x', envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found');
    await fails({ name: 'x', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'zz' } } }] }, "couldn't find key zz in ConfigMap shop/cfg");
    await fails({ name: 'x', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'zz' } } }] }, "couldn't find key zz in Secret shop/s");
    await fails({ name: 'x', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'gone', key: 'b' } } }] }, 'secret "gone" not found');
    const optional: Container = {
      name: 'x',
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'zz', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'gone', key: 'b', optional: true } } },
        { name: 'C', value: 'set' },
      ],
    };
    assert.deepEqual(await buildEnv(pod, optional, source({ cfg: { a: '1' } }), NODE, '', ''), { C: 'set' });
  });
});

describe('the downward API', () => {
  it('fieldValue answers every supported fieldPath', () => {
    const cases: [string, string][] = [
      ['metadata.name', 'web'], ['metadata.namespace', 'shop'], ['metadata.uid', 'uid-1'],
      ["metadata.labels['tier']", 'front'], ["metadata.annotations['note']", 'hi'], ["metadata.labels['missing']", ''],
      ['metadata.labels', 'app="web"\ntier="front"'], ['metadata.annotations', 'note="hi"'],
      ['spec.nodeName', 'host01'], ['spec.serviceAccountName', 'builder'],
      ['status.podIP', '10.0.0.5'], ['status.hostIP', '192.168.1.2'],
    ];
    for (const [path, want] of cases) assert.equal(fieldValue(pod, path, '10.0.0.5', '192.168.1.2'), want, path);
  });

  it('the kubelet\'s copy of the pod adds config.seen and config.source, which metadata.annotations shows', () => {
    const p: Pod = { metadata: { name: 'x', annotations: { build: 'two' } } };
    const seen = withKubeletAnnotations(p, new Date('2026-11-28T07:21:14.120Z'));
    assert.equal(fieldValue(seen, 'metadata.annotations', '', ''),
      'build="two"\nkubernetes.io/config.seen="2026-11-28T07:21:14.12Z"\nkubernetes.io/config.source="api"');
    assert.equal(fieldValue(withKubeletAnnotations(p, new Date('2026-11-28T07:21:14.000Z')), "metadata.annotations['kubernetes.io/config.seen']", '', ''), '2026-11-28T07:21:14Z');
    assert.deepEqual(p.metadata!.annotations, { build: 'two' }, 'the API object is not changed');
    // a static pod's source stays its own
    const file = withKubeletAnnotations({ metadata: { annotations: { 'kubernetes.io/config.source': 'file' } } }, new Date());
    assert.equal(file.metadata!.annotations!['kubernetes.io/config.source'], 'file');
  });

  it('metadata.annotations quotes values as the kubelet\'s %q: kubectl apply\'s JSON annotation stays on one line', () => {
    const applied = '{"apiVersion":"v1","kind":"Pod"}\n';
    const p: Pod = { metadata: { name: 'x', annotations: { builder: 'john-doe', 'kubectl.kubernetes.io/last-applied-configuration': applied } } };
    assert.equal(fieldValue(p, 'metadata.annotations', '', ''),
      'builder="john-doe"\nkubectl.kubernetes.io/last-applied-configuration="{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Pod\\"}\\n"');
    // a single annotation is its raw value
    assert.equal(fieldValue(p, "metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']", '', ''), applied);
  });

  it('resourceValue: limits and requests with divisors rounded up; a limit not set is the node\'s allocatable', () => {
    const side = pod.spec!.containers[1];
    const cases: [Container, string, string | undefined, string][] = [
      [app, 'limits.cpu', undefined, '1'],
      [app, 'limits.cpu', '1m', '250'],
      [app, 'requests.cpu', '1m', '100'],
      [app, 'limits.memory', undefined, String(64 * 2 ** 20)],
      [app, 'limits.memory', '1Mi', '64'],
      [app, 'limits.memory', '1Gi', '1'],
      [side, 'limits.cpu', undefined, '4'],
      [side, 'limits.memory', '1Mi', '8192'],
      [side, 'requests.memory', undefined, '0'],
    ];
    for (const [c, res, divisor, want] of cases) assert.equal(resourceValue(c, res, divisor, NODE), want, `${c.name} ${res} / ${divisor}`);
  });
});

describe('command lines', () => {
  it('expand: $(VAR) from env, $$ escapes, unknown and unterminated references stay as written', () => {
    const env = { A: 'x', B: 'y' };
    const cases: [string, string][] = [
      ['$(A)-$(B)', 'x-y'], ['$$(A)', '$(A)'], ['$(C)', '$(C)'], ['$(A', '$(A'], ['a$', 'a$'], ['$A', '$A'], ['$$$(A)', '$x'],
    ];
    for (const [input, want] of cases) assert.equal(expand(input, env), want, input);
  });

  it('containerArgv: command replaces the entrypoint, args replace cmd, both expanded', () => {
    const image = { entrypoint: ['/entry'], cmd: ['--default'] };
    const env = { WHO: 'world' };
    const cases: [Partial<Container>, string[]][] = [
      [{}, ['/entry', '--default']],
      [{ args: ['hello', '$(WHO)'] }, ['/entry', 'hello', 'world']],
      [{ command: ['echo'] }, ['echo']],
      [{ command: ['echo'], args: ['$(WHO)'] }, ['echo', 'world']],
    ];
    for (const [c, want] of cases) assert.deepEqual(containerArgv({ name: 'c', ...c }, image, env), want, JSON.stringify(c));
  });

  it('containerArgv: the image\'s ENTRYPOINT and CMD are not expanded (the runtime adds them after the kubelet expanded the pod\'s)', () => {
    const image = { entrypoint: ['/bin/echo', '$(WHO)'], cmd: ['$(WHO)'] };
    assert.deepEqual(containerArgv({ name: 'c' }, image, { WHO: 'world' }), ['/bin/echo', '$(WHO)', '$(WHO)']);
    assert.deepEqual(containerArgv({ name: 'c', args: ['$(WHO)'] }, image, { WHO: 'world' }), ['/bin/echo', '$(WHO)', 'world']);
  });
});
