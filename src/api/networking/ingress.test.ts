import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { decodeKubernetesProtobuf } from '../../apimachinery/protobuf/decode.js';
import { encodeKubernetesProtobuf } from '../../apimachinery/protobuf/encode.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { ingressClassPrinter, ingressclasses, ingresses, ingressPrinter } from './ingress.js';

const backend = { service: { name: 'web', port: { number: 80 } } };
const ing = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec });
const rule = (host: string | undefined, paths: unknown[]) => ({ ...(host ? { host } : {}), http: { paths } });
const errsOf = (o: Record<string, unknown>) => createObject(ingresses, o).errs.map(fieldErrorMessage);

describe('Ingress', () => {
  it('starts with an empty load balancer status and generation 1', () => {
    const { obj, errs } = createObject(ingresses, { ...ing({ defaultBackend: backend }), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } });
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.status, { loadBalancer: {} });
    assert.equal(obj.metadata?.generation, 1);
  });

  it('validates as Kubernetes does', () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['neither backend nor rules', ing({}), ['spec.rules: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']],
      ['no pathType', ing({ rules: [rule('a.example.com', [{ path: '/', backend }])] }), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
      ['relative Prefix path', ing({ rules: [rule(undefined, [{ path: 'x', pathType: 'Prefix', backend }])] }), ['spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path']],
      ['bad pathType', ing({ rules: [rule(undefined, [{ path: '/', pathType: 'Regex', backend }])] }), ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
      ['IP host', ing({ rules: [rule('1.2.3.4', [{ path: '/', pathType: 'Exact', backend }])] }), ['spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address']],
      ['port name and number', ing({ defaultBackend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }), [/^spec\.defaultBackend\.service\.port: Invalid value: .*: cannot set both port name & port number$/ as unknown as string]],
      ['no port', ing({ defaultBackend: { service: { name: 'web' } } }), ['spec.defaultBackend.service.port: Required value: port name or number is required']],
      ['valid wildcard host', ing({ rules: [rule('*.example.com', [{ path: '/', pathType: 'Prefix', backend }])] }), []],
    ];
    for (const [name, obj, want] of cases) {
      const got = errsOf(obj);
      assert.equal(got.length, want.length, `${name}: ${got.join('; ')}`);
      want.forEach((w, i) => (typeof w === 'string' ? assert.equal(got[i], w, name) : assert.match(got[i], w as RegExp, name)));
    }
  });

  it('updates keep status; /status keeps spec', () => {
    const old = createObject(ingresses, ing({ defaultBackend: backend })).obj;
    const main = updateObject(ingresses, { ...old, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }, old);
    assert.deepEqual(main.obj.status, { loadBalancer: {} });
    const st = updateObject(ingresses, { ...old, spec: { defaultBackend: { service: { name: 'other', port: { number: 1 } } } }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }, old, 'status');
    assert.deepEqual(st.errs, []);
    assert.equal((st.obj.spec as { defaultBackend: { service: { name: string } } }).defaultBackend.service.name, 'web');
    assert.deepEqual(updateObject(ingresses, { ...old, status: { loadBalancer: { ingress: [{ ip: 'nope' }] } } }, old, 'status').errs.map(fieldErrorMessage).length, 1);
  });

  it('prints NAME CLASS HOSTS ADDRESS PORTS AGE', () => {
    const o = {
      ...ing({ ingressClassName: 'nginx', tls: [{ hosts: ['a.example.com'] }], rules: ['a', 'b', 'c', 'd'].map((h) => rule(`${h}.example.com`, [])) }),
      metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.100' }, { hostname: 'lb.example.com' }] } },
    };
    assert.deepEqual(ingressPrinter.columns.map((c) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(ingressPrinter.cells(o, new Date('2026-01-01T01:00:00Z')),
      ['web', 'nginx', 'a.example.com,b.example.com,c.example.com + 1 more...', '10.0.0.100,lb...', '80, 443', '60m']);
    assert.deepEqual(ingressPrinter.cells({ ...ing({ defaultBackend: backend }), metadata: { name: 'x' } }, new Date()).slice(1, 5), ['<none>', '*', '', '80']);
  });

  it('round-trips through protobuf with its inline rule value (kubectl describe reads it so)', () => {
    const o = { ...ing({ ingressClassName: 'nginx', rules: [rule('a.example.com', [{ path: '/', pathType: 'Prefix', backend }])] }), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ports: [{ port: 80, protocol: 'TCP' }] }] } } };
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(o)).object, o);
  });
});

describe('IngressClass', () => {
  const ic = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec });

  it('defaults the parameters scope and validates the controller', () => {
    const { obj, errs } = createObject(ingressclasses, ic({ controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Conf', name: 'c' } }));
    assert.deepEqual(errs, []);
    assert.equal((obj.spec as { parameters: { scope: string } }).parameters.scope, 'Cluster');
    assert.deepEqual(createObject(ingressclasses, ic({ controller: 'nginx' })).errs.map(fieldErrorMessage), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
    assert.deepEqual(createObject(ingressclasses, ic({ controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } })).errs.map(fieldErrorMessage), ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]);
  });

  it('the controller is immutable', () => {
    const old = createObject(ingressclasses, ic({ controller: 'a.io/b' })).obj;
    assert.deepEqual(updateObject(ingressclasses, { ...old, spec: { controller: 'a.io/c' } }, old).errs.map(fieldErrorMessage), ['spec.controller: Invalid value: "a.io/c": field is immutable']);
  });

  it('prints NAME CONTROLLER PARAMETERS AGE', () => {
    const o = { ...ic({ controller: 'a.io/b', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } }), metadata: { name: 'nginx', creationTimestamp: '2026-01-01T00:00:00Z' } };
    assert.deepEqual(ingressClassPrinter.cells(o, new Date('2026-01-01T00:00:30Z')), ['nginx', 'a.io/b', 'IngressParameters.k8s.example.com/p', '30s']);
  });
});
