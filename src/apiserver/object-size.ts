import type { Backend } from '../storage/backend.js';
import { StatusError } from '../apimachinery/errors.js';

/**
 * MAX_STORED_BYTES is etcd's default --max-request-bytes (1.5 MiB): a write whose key and value
 * exceed it is refused by etcd, and kube-apiserver answers it as a request entity too large.
 */
export const MAX_STORED_BYTES = 1.5 * 1024 * 1024;

/** objectTooLarge is kube-apiserver's answer to etcd's "request is too large". */
export function objectTooLarge(): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}

/**
 * limitObjectSize refuses creates and updates that etcd would refuse for their size, so an object
 * a request under the 3 MiB body limit made big (a 2 MiB env value) is not stored where Kubernetes
 * stores nothing; every other call passes through untouched.
 */
export function limitObjectSize(backend: Backend, max = MAX_STORED_BYTES): Backend {
  const tooBig = (key: string, value: string) => Buffer.byteLength(key) + Buffer.byteLength(value) > max;
  return new Proxy(backend, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'create') {
        return (key: string, value: string) => (tooBig(key, value) ? Promise.reject(objectTooLarge()) : target.create(key, value));
      }
      if (prop === 'update') {
        return (key: string, value: string, rev: number) => (tooBig(key, value) ? Promise.reject(objectTooLarge()) : target.update(key, value, rev));
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
