import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './errors.js';
import { parseInt64, parsePodExecOptions, parsePodLogOptions, podExecQuery, podLogQuery, queryBool, queryInt, queryOptionalBool, queryString, queryStrings } from './query.js';

const q = (s: string) => new URLSearchParams(s);
const badRequest = (message: string) => (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === message;

describe('query parameters as Kubernetes converts them', () => {
  const bools: [string, boolean][] = [
    ['', false], ['watch=true', true], ['watch=True', true], ['watch=TRUE', true], ['watch=1', true],
    ['watch=false', false], ['watch=False', false], ['watch=FALSE', false], ['watch=0', false],
    ['watch=', true], ['watch=yes', true], ['watch=f', true],
    ['watch=false&watch=true', false], ['watch=true&watch=false', true], ['other=true', false],
  ];
  for (const [query, want] of bools) {
    it(`bool: ?${query} → ${want}`, () => assert.equal(queryBool(q(query), 'watch'), want));
  }

  it('optional bool is undefined only when absent', () => {
    assert.equal(queryOptionalBool(q(''), 'orphanDependents'), undefined);
    assert.equal(queryOptionalBool(q('orphanDependents=false'), 'orphanDependents'), false);
    assert.equal(queryOptionalBool(q('orphanDependents=True'), 'orphanDependents'), true);
  });

  const ints: [string, number | undefined][] = [['', undefined], ['limit=5', 5], ['limit=%2B5', 5], ['limit=-3', -3], ['limit=007', 7], ['limit=9&limit=x', 9]];
  for (const [query, want] of ints) it(`int: ?${query} → ${want}`, () => assert.equal(queryInt(q(query), 'limit'), want));

  const badInts: [string, string][] = [
    ['limit=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['limit=', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['limit=1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['limit=1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
    ['limit=%201', 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ['limit=9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
  ];
  for (const [query, msg] of badInts) it(`int: ?${query} → 400 ${msg}`, () => assert.throws(() => queryInt(q(query), 'limit'), badRequest(msg)));

  it('int64 edges', () => {
    assert.equal(parseInt64('-9223372036854775808'), -9223372036854775808);
    assert.throws(() => parseInt64('-9223372036854775809'), /value out of range/);
  });

  it('strings: the first value counts; list parameters keep every value in order', () => {
    assert.equal(queryString(q('labelSelector=a%3D1&labelSelector=b%3D2'), 'labelSelector'), 'a=1');
    assert.equal(queryString(q(''), 'labelSelector'), undefined);
    assert.deepEqual(queryStrings(q('command=sh&command=-c&command=echo%20hi'), 'command'), ['sh', '-c', 'echo hi']);
  });
});

describe('pods/log options', () => {
  it('parses what the Python client sends and renders it for the agent', () => {
    const o = parsePodLogOptions(q('container=c&follow=True&previous=False&timestamps=true&tailLines=10&limitBytes=100&sinceSeconds=60'));
    assert.deepEqual(o, { container: 'c', follow: true, previous: false, timestamps: true, sinceSeconds: 60, sinceTime: undefined, tailLines: 10, limitBytes: 100, insecureSkipTLSVerifyBackend: false });
    assert.equal(podLogQuery(o).toString(), 'follow=true&timestamps=true&sinceSeconds=60&tailLines=10&limitBytes=100');
  });

  it('rejects bad values with 400', () => {
    assert.throws(() => parsePodLogOptions(q('tailLines=ten')), badRequest('strconv.ParseInt: parsing "ten": invalid syntax'));
    assert.throws(() => parsePodLogOptions(q('tailLines=-1')), badRequest('tailLines: Invalid value: -1: must be greater than or equal to 0'));
    assert.throws(() => parsePodLogOptions(q('sinceSeconds=0')), /sinceSeconds: Invalid value: 0: must be greater than 0/);
    assert.throws(() => parsePodLogOptions(q('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z')), /at most one of `sinceTime` or `sinceSeconds`/);
  });
});

describe('pods/exec and attach options', () => {
  it('stdout=True is a stream (the Python client), command keeps its order', () => {
    const o = parsePodExecOptions(q('command=ls&command=-l&stdout=True&stderr=True&stdin=False&tty=False'), 'exec');
    assert.deepEqual(o, { container: undefined, stdin: false, stdout: true, stderr: true, tty: false, command: ['ls', '-l'] });
    assert.equal(podExecQuery(o).toString(), 'stdout=true&stderr=true&command=ls&command=-l');
  });

  it('needs a stream, and exec needs a command', () => {
    assert.throws(() => parsePodExecOptions(q('command=ls'), 'exec'), badRequest('you must specify at least 1 of stdin, stdout, stderr'));
    assert.throws(() => parsePodExecOptions(q('stdout=1'), 'exec'), badRequest('you must specify at least 1 command'));
    assert.equal(parsePodExecOptions(q('stdout=1'), 'attach').command.length, 0);
  });
});
