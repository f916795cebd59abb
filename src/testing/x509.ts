/**
 * For tests, an X.509 toolkit independent of the product's (api/certificates/pki.ts): requests to
 * sign, certificates to read back. @peculiar/x509 ready to use: reflect-metadata (its tsyringe dependency needs the Reflect metadata API) loaded first, and Node's
 * WebCrypto as its crypto provider. Import X.509 helpers from here, never from the package itself.
 */
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export * from '@peculiar/x509';
