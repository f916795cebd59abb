import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import type { RegistryStore } from '../../registry/store.js';
import { realClock } from '../../util/clock.js';
import type { PluginDeps } from './deps.js';
import { DefaultIngressClass, IS_DEFAULT_INGRESS_CLASS } from './ingressclass.js';

const INGRESSES = { group: 'networking.k8s.io', plural: 'ingresses' } as ResourceDefinition;

function deps(classes: KubeObject[]): PluginDeps {
  const store = { list: async () => ({ items: classes, metadata: {} }) } as unknown as RegistryStore;
  return { storeFor: (g, v, p) => { assert.equal(`${g}/${v}/${p}`, 'networking.k8s.io/v1/ingressclasses'); return store; }, clock: realClock };
}

const ic = (name: string, created: string, isDefault = false): KubeObject => ({ metadata: { name, creationTimestamp: created, annotations: isDefault ? { [IS_DEFAULT_INGRESS_CLASS]: 'true' } : {} } });
const ing = (spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject => ({ metadata: { name: 'web', annotations }, spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, ...spec } });

async function admit(obj: KubeObject, classes: KubeObject[], subresource = ''): Promise<KubeObject> {
  await new DefaultIngressClass(deps(classes)).admit({
    operation: 'CREATE', def: INGRESSES, subresource, namespace: 'default', name: 'web', object: obj, userInfo: { name: 'admin', groups: [] }, dryRun: false,
  } as never);
  return obj;
}

describe('DefaultIngressClass', () => {
  const classes = [ic('plain', '2026-01-01T00:00:00Z'), ic('old-default', '2026-01-01T00:00:00Z', true), ic('new-default', '2026-01-02T00:00:00Z', true)];

  it('gives a class-less Ingress the newest default class', async () => {
    assert.equal(((await admit(ing(), classes)).spec as { ingressClassName?: string }).ingressClassName, 'new-default');
  });

  it('leaves a chosen class, the deprecated annotation, and clusters without a default alone', async () => {
    assert.equal(((await admit(ing({ ingressClassName: 'plain' }), classes)).spec as { ingressClassName?: string }).ingressClassName, 'plain');
    assert.equal(((await admit(ing({}, { 'kubernetes.io/ingress.class': 'nginx' }), classes)).spec as { ingressClassName?: string }).ingressClassName, undefined);
    assert.equal(((await admit(ing(), [ic('plain', '2026-01-01T00:00:00Z')])).spec as { ingressClassName?: string }).ingressClassName, undefined);
    assert.equal(((await admit(ing(), classes, 'status')).spec as { ingressClassName?: string }).ingressClassName, undefined);
  });
});
