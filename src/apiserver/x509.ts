/**
 * @peculiar/x509 ready to use: the Reflect metadata it needs installed first, and Node's
 * WebCrypto as its crypto provider. Import X.509 helpers from here, never from the package itself.
 */
import { webcrypto } from 'node:crypto';
import './reflect-metadata.js';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export * from '@peculiar/x509';
