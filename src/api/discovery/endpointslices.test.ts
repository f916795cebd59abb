import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEndpointSlice, endpointSlicePrinter, validateEndpointSlice, validateEndpointSliceUpdate } from './endpointslices.js';
import { fieldErrorMessage } from '../../apimachinery/errors.js';

const now = new Date('2026-01-01T00:00:26Z');
const meta = { name: 'sleep-lmnxk', creationTimestamp: '2026-01-01T00:00:00Z' };

test('the table: <unset> for no ports or endpoints, three then "+ N more..."', () => {
  assert.deepEqual(endpointSlicePrinter.cells({ metadata: meta, addressType: 'IPv4', endpoints: null, ports: null }, now), ['sleep-lmnxk', 'IPv4', '<unset>', '<unset>', '26s']);
  const slice = {
    metadata: meta, addressType: 'IPv4',
    ports: [{ name: 'http', port: 80 }, { name: 'named', port: null }],
    endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.0.6'] }, { addresses: ['10.244.1.2'] }, { addresses: ['10.244.1.3'] }, { addresses: ['10.244.1.4'] }],
  };
  assert.deepEqual(endpointSlicePrinter.cells(slice, now).slice(2, 4), ['80,named', '10.244.0.5,10.244.0.6,10.244.1.2 + 2 more...']);
});

test('defaulting and validation', () => {
  const slice: Record<string, unknown> = { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] };
  defaultEndpointSlice(slice);
  assert.deepEqual(slice.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  assert.deepEqual(validateEndpointSlice(slice), []);
  const bad = validateEndpointSlice({ addressType: 'IPv5', endpoints: [{ addresses: [] }, { addresses: ['300.1.1.1'] }], ports: [{ name: 'A', protocol: 'TCP' }, { name: 'A', protocol: 'ICMP' }] }).map(fieldErrorMessage);
  assert.deepEqual(bad, [
    'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    'endpoints[0].addresses: Required value: must contain at least 1 address',
    'ports[0].name: Invalid value: "A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    'ports[1].name: Invalid value: "A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    'ports[1].name: Duplicate value: "A"',
    'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  assert.deepEqual(validateEndpointSliceUpdate({ addressType: 'IPv6' }, { addressType: 'IPv4' }).map(fieldErrorMessage), ['addressType: Invalid value: "IPv6": field is immutable']);
});
