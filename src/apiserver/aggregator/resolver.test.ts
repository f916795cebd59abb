import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { hostPort, resolveEndpoint } from './resolver.js';

const service = (ports: object[], type = 'ClusterIP'): KubeObject => ({ metadata: { name: 'api', namespace: 'ns' }, spec: { type, ports } });
const endpoints = (subsets: object[]): KubeObject => ({ metadata: { name: 'api', namespace: 'ns' }, subsets });

describe('resolveEndpoint (endpoint routing)', () => {
  const cases: { name: string; svc?: KubeObject; eps?: KubeObject; want: string }[] = [
    { name: 'no service', want: 'service "api" not found' },
    { name: 'ExternalName', svc: service([], 'ExternalName'), want: 'unsupported service type "ExternalName"' },
    { name: 'no such port', svc: service([{ name: 'https', port: 8443 }]), want: 'no service port 443 found for service "api"' },
    { name: 'no endpoints', svc: service([{ name: 'https', port: 443 }]), want: 'endpoints "api" not found' },
    { name: 'empty endpoints', svc: service([{ name: 'https', port: 443 }]), eps: endpoints([]), want: 'no endpoints available for service "api"' },
    { name: 'only not-ready addresses', svc: service([{ name: 'https', port: 443 }]), eps: endpoints([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443 }] }]), want: 'no endpoints available for service "api"' },
    { name: 'other port name', svc: service([{ name: 'https', port: 443 }]), eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'http', port: 80 }] }]), want: 'no endpoints available for service "api"' },
    { name: 'ready', svc: service([{ name: 'https', port: 443 }]), eps: endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443 }] }]), want: '10.0.0.2:6443' },
    { name: 'unnamed port', svc: service([{ port: 443 }]), eps: endpoints([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 6443 }] }]), want: '[fd00::1]:6443' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let got: string;
      try {
        got = hostPort(resolveEndpoint('ns', 'api', 443, c.svc, c.eps, () => 0.9));
      } catch (e) {
        got = (e as Error).message;
      }
      assert.equal(got, c.want);
    });
  }
});
