export { EtcdBackend, type EtcdBackendOptions } from './etcd-backend.js';
