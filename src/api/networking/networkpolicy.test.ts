import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { networkpolicies, networkPolicyPrinter } from './networkpolicy.js';
import { cidrContains, parseCIDRBits } from './cidr.js';

const np = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'default' }, spec });
const errsOf = (o: Record<string, unknown>) => createObject(networkpolicies, o).errs.map(fieldErrorMessage);

/** The "Network Policies" concept page's example policy. */
const docsExample = np({
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{
    from: [
      { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
      { namespaceSelector: { matchLabels: { project: 'myproject' } } },
      { podSelector: { matchLabels: { role: 'frontend' } } },
    ],
    ports: [{ protocol: 'TCP', port: 6379 }],
  }],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
});

describe('NetworkPolicy', () => {
  it('accepts the docs example and starts at generation 1', () => {
    const { obj, errs } = createObject(networkpolicies, docsExample);
    assert.deepEqual(errs.map(fieldErrorMessage), []);
    assert.equal(obj.metadata?.generation, 1);
    assert.equal(obj.status, undefined);
  });

  it('defaults policyTypes and port protocols as SetDefaults_NetworkPolicy', () => {
    const ingressOnly = createObject(networkpolicies, np({ ingress: [{ ports: [{ port: 80 }] }] })).obj;
    assert.deepEqual((ingressOnly.spec as any).policyTypes, ['Ingress']);
    assert.deepEqual((ingressOnly.spec as any).podSelector, {});
    assert.equal((ingressOnly.spec as any).ingress[0].ports[0].protocol, 'TCP');
    const withEgress = createObject(networkpolicies, np({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })).obj;
    assert.deepEqual((withEgress.spec as any).policyTypes, ['Ingress', 'Egress']);
    assert.equal((withEgress.spec as any).egress[0].ports[0].protocol, 'UDP');
    const explicit = createObject(networkpolicies, np({ podSelector: {}, policyTypes: ['Egress'], egress: [{}] })).obj;
    assert.deepEqual((explicit.spec as any).policyTypes, ['Egress']);
  });

  it('validates as Kubernetes does', () => {
    const ing = (rule: Record<string, unknown>) => np({ podSelector: {}, ingress: [rule] });
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['port out of range', ing({ ports: [{ port: 70000 }] }), ['spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive']],
      ['bad protocol', ing({ ports: [{ port: 80, protocol: 'ICMP' }] }), ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']],
      ['endPort below port', ing({ ports: [{ port: 80, endPort: 70 }] }), ['spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater than or equal to `port`']],
      ['endPort with a named port', ing({ ports: [{ port: 'http', endPort: 90 }] }), ['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric']],
      ['endPort without a port', ing({ ports: [{ endPort: 90 }] }), ['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified']],
      ['bad port name', ing({ ports: [{ port: 'HTTP' }] }), ['spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain at least one letter (a-z)']],
      ['empty peer', ing({ from: [{}] }), ['spec.ingress[0].from[0]: Required value: must specify a peer']],
      ['ipBlock with a selector', ing({ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }), ['spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer']],
      ['bad cidr', np({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0' } }] }] }), ['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
      ['no cidr', ing({ from: [{ ipBlock: {} }] }), ['spec.ingress[0].from[0].ipBlock.cidr: Required value']],
      ['except outside cidr', ing({ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['10.0.0.0/24', '172.17.0.0/16'] } }] }), [
        'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/24": must be a strict subset of `cidr`',
        'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "172.17.0.0/16": must be a strict subset of `cidr`',
      ]],
      ['bad policy type', np({ podSelector: {}, policyTypes: ['Ingres'] }), ['spec.policyTypes[0]: Unsupported value: "Ingres": supported values: "Ingress", "Egress"']],
      ['three policy types', np({ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] }), ['spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes']],
      ['bad selector operator', np({ podSelector: { matchExpressions: [{ key: 'a', operator: 'Is' }] } }), ['spec.podSelector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator']],
      ['IPv6 except inside', ing({ from: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }] }), []],
    ];
    for (const [name, obj, want] of cases) assert.deepEqual(errsOf(obj), want, name);
  });

  it('bumps generation on spec change only', () => {
    const { obj } = createObject(networkpolicies, docsExample);
    const same = updateObject(networkpolicies, { ...obj, metadata: { ...obj.metadata, labels: { a: 'b' } } }, obj);
    assert.equal(same.obj.metadata?.generation, 1);
    const changed = updateObject(networkpolicies, { ...obj, spec: { ...(obj.spec as object), policyTypes: ['Ingress'] } }, obj);
    assert.deepEqual(changed.errs, []);
    assert.equal(changed.obj.metadata?.generation, 2);
  });

  it('prints NAME POD-SELECTOR AGE', () => {
    assert.deepEqual(networkPolicyPrinter.columns.map((c) => c.name), ['Name', 'Pod-Selector', 'Age']);
    const now = new Date('2026-01-01T00:05:00Z');
    const { obj } = createObject(networkpolicies, docsExample);
    assert.deepEqual(networkPolicyPrinter.cells(obj, now), ['p', 'role=db', '5m']);
    const all = createObject(networkpolicies, np({})).obj;
    assert.deepEqual(networkPolicyPrinter.cells(all, now), ['p', '<none>', '5m']);
    const expr = createObject(networkpolicies, np({ podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } })).obj;
    assert.equal(networkPolicyPrinter.cells(expr, now)[1], 'app=web,tier in (a,b)');
  });
});

describe('parseCIDRBits', () => {
  it('reads IPv4 and IPv6 ranges and tells containment', () => {
    assert.equal(parseCIDRBits('10.0.0.0'), undefined);
    assert.equal(parseCIDRBits('10.0.0.0/33'), undefined);
    assert.equal(parseCIDRBits('fe80::1::2/64'), undefined);
    assert.deepEqual(parseCIDRBits('10.1.2.3/8'), { bits: 32, base: 10n << 24n, prefix: 8 });
    assert.equal(parseCIDRBits('::ffff:1.2.3.4/128')?.base, (0xffffn << 32n) | 0x01020304n);
    assert.ok(cidrContains(parseCIDRBits('172.17.0.0/16')!, parseCIDRBits('172.17.1.0/24')!));
    assert.ok(!cidrContains(parseCIDRBits('172.17.0.0/16')!, parseCIDRBits('172.18.1.0/24')!));
    assert.ok(!cidrContains(parseCIDRBits('::/0')!, parseCIDRBits('10.0.0.0/8')!));
  });
});
