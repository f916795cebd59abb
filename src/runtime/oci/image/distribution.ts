import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuthConfig } from '../../types.js';
import { basicAuthorization, basicCredentials, parseChallenges, tokenRequestURL } from './auth.js';
import type { Endpoint } from './registries.js';

// A client of the OCI distribution API v2 (what containerd's remotes/docker resolver and fetcher
// do): HEAD the manifest to resolve a tag to a digest, GET manifests and blobs by digest, answer
// 401 challenges (bearer tokens from the realm, basic credentials), follow blob redirects, and
// verify every byte against its digest.

/** MANIFEST_ACCEPT lists the manifest media types this client understands, as its Accept header. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** RegistryError is a failed request, worded as containerd words it. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** NotFoundError is a manifest or blob the registry does not have. */
export class NotFoundError extends RegistryError {}

/** DigestMismatchError is content whose sha256 is not the digest it was asked for. */
export class DigestMismatchError extends RegistryError {}

/** Descriptor is an OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

interface Response {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
  url: URL;
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** networkMessage words a connection error as Go's net package does (what users see from containerd). */
function networkMessage(err: NodeJS.ErrnoException, url: URL): string {
  const host = url.port ? url.host : `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`;
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}: connect: connection refused`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `dial tcp: lookup ${url.hostname}: no such host`;
  if (err.code === 'ETIMEDOUT') return `dial tcp ${host}: i/o timeout`;
  return err.message;
}

/** RepositoryClient talks to one endpoint about one repository, keeping its authorization. */
export class RepositoryClient {
  private authorization: string | undefined;
  private bearerTried = false;
  /** when the bearer token was fetched (ms): a token older than a minute is fetched again on a 401 (Docker Hub's last 5 minutes) */
  private tokenFetchedAt = 0;
  private readonly creds: { username: string; password: string } | undefined;
  private readonly identityToken: string | undefined;

  constructor(
    readonly endpoint: Endpoint,
    auth: AuthConfig | undefined,
  ) {
    const a = auth ?? endpoint.auth;
    this.creds = basicCredentials(a);
    this.identityToken = a?.identityToken || undefined;
    if (a?.registryToken) this.authorization = `Bearer ${a.registryToken}`;
  }

  /** url of a path under the repository ("manifests/latest"). */
  url(sub: string): URL {
    return new URL(`${this.endpoint.base}/v2/${this.endpoint.path}/${sub}`);
  }

  /** send makes one request, following redirects (without credentials to another host). */
  private send(method: string, url: URL, headers: Record<string, string>, redirects = 0): Promise<Response> {
    return new Promise((resolve, reject) => {
      const tls = this.endpoint.tls;
      const opts = {
        method,
        headers: { 'user-agent': 'tskube', ...headers },
        ...(url.protocol === 'https:'
          ? {
              rejectUnauthorized: !tls.insecureSkipVerify,
              ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
              ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
              ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
            }
          : {}),
      };
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, opts, (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && redirects < 10) {
          res.resume();
          const next = new URL(res.headers.location, url);
          const h = { ...headers };
          if (next.host !== url.host) delete h.authorization;
          resolve(this.send(method === 'HEAD' ? 'HEAD' : 'GET', next, h, redirects + 1));
          return;
        }
        resolve({ status, statusText: res.statusMessage || STATUS_TEXT[status] || '', headers: res.headers, body: res, url });
      });
      req.setTimeout(60_000, () => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new RegistryError(`failed to do request: ${method[0]}${method.slice(1).toLowerCase()} "${url}": ${networkMessage(err, url)}`)));
      req.end();
    });
  }

  /** do sends a request with the current authorization, answering one 401 challenge. */
  async do(method: string, sub: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = this.url(sub);
    let res = await this.send(method, url, this.withAuth(headers));
    if (res.status !== 401) return res;
    res.body.resume();
    const challenges = parseChallenges(String(res.headers['www-authenticate'] ?? ''));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer && (!this.bearerTried || Date.now() - this.tokenFetchedAt > 60_000)) {
      this.bearerTried = true;
      this.tokenFetchedAt = Date.now();
      const scope = `repository:${this.endpoint.path}:pull`;
      const token = this.identityToken ? await this.refreshToken(bearer.params.realm ?? '', bearer.params.service ?? '', scope) : await this.fetchToken(tokenRequestURL(bearer, scope));
      this.authorization = `Bearer ${token}`;
    } else if (basic && this.creds && this.authorization === undefined) {
      this.authorization = basicAuthorization(this.creds);
    } else {
      return res;
    }
    res = await this.send(method, url, this.withAuth(headers));
    return res;
  }

  private withAuth(headers: Record<string, string>): Record<string, string> {
    return this.authorization ? { ...headers, authorization: this.authorization } : headers;
  }

  /** fetchToken asks the realm for a pull token, with the credentials when there are any (Docker's token protocol). */
  private async fetchToken(url: URL): Promise<string> {
    const res = await this.send('GET', url, this.creds ? { authorization: basicAuthorization(this.creds) } : {});
    const text = await readText(res.body);
    if (res.status !== 200) {
      throw new RegistryError(`failed to fetch ${this.creds ? '' : 'anonymous '}token: unexpected status from GET request to ${url}: ${res.status} ${res.statusText}`, res.status);
    }
    const body = JSON.parse(text) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`no token in the answer of ${url.origin}${url.pathname}`);
    return token;
  }

  /** refreshToken trades an identity token for an access token (OAuth2 refresh_token grant, as Docker's token protocol). */
  private async refreshToken(realm: string, service: string, scope: string): Promise<string> {
    const url = new URL(realm);
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.identityToken!, service, scope, client_id: 'tskube' }).toString();
    const res = await new Promise<Response>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) }, ...(url.protocol === 'https:' ? { rejectUnauthorized: !this.endpoint.tls.insecureSkipVerify } : {}) },
        (r) => resolve({ status: r.statusCode ?? 0, statusText: r.statusMessage ?? '', headers: r.headers, body: r, url }),
      );
      req.on('error', (err: NodeJS.ErrnoException) => reject(new RegistryError(`failed to do request: Post "${url}": ${networkMessage(err, url)}`)));
      req.end(form);
    });
    const text = await readText(res.body);
    if (res.status !== 200) throw new RegistryError(`failed to fetch oauth token: unexpected status from POST request to ${url}: ${res.status} ${res.statusText}`, res.status);
    const token = (JSON.parse(text) as { access_token?: string }).access_token;
    if (!token) throw new RegistryError(`no access_token in the answer of ${url.origin}${url.pathname}`);
    return token;
  }

  /** unexpected is the error for an answer other than the expected one. */
  private async unexpected(res: Response, method: string, what: string): Promise<RegistryError> {
    const text = await readText(res.body).catch(() => '');
    if (res.status === 404) return new NotFoundError(`${what}: not found`, 404);
    if ((res.status === 401 || res.status === 403) && this.authorization?.startsWith('Bearer') && this.bearerTried) {
      let server = '';
      try {
        const e = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
        if (e) server = `: server message: ${(e.code ?? '').toLowerCase()}: ${e.message ?? ''}`;
      } catch {
        // not a distribution error body
      }
      return new RegistryError(`pull access denied, repository does not exist or may require authorization${server}`, res.status);
    }
    return new RegistryError(`unexpected status from ${method} request to ${res.url}: ${res.status} ${res.statusText}`, res.status);
  }

  /** resolve asks for a manifest by tag or digest (HEAD, as containerd); gives its digest and media type. */
  async resolve(reference: string, what: string): Promise<{ digest: string; mediaType: string; size: number }> {
    const res = await this.do('HEAD', `manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    res.body.resume();
    if ((res.status === 401 || res.status === 403) && this.bearerTried) {
      // a HEAD answer has no body: ask again with GET for the registry's reason (Docker Hub's insufficient_scope)
      const again = await this.do('GET', `manifests/${reference}`, { accept: MANIFEST_ACCEPT });
      if (again.status !== 200) throw await this.unexpected(again, 'GET', what);
      again.body.resume();
    }
    if (res.status !== 200) throw await this.unexpected(res, 'HEAD', what);
    let digest = String(res.headers['docker-content-digest'] ?? '');
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    const size = Number(res.headers['content-length'] ?? -1);
    if (!digest) {
      // a registry that does not say: fetch the manifest to learn its digest
      const body = await this.fetchManifest(reference, undefined, what);
      digest = sha256Of(body.data);
      return { digest, mediaType: body.mediaType, size: body.data.length };
    }
    return { digest, mediaType, size };
  }

  /** fetchManifest gets a manifest; by digest it must hash to it. */
  async fetchManifest(reference: string, expectedDigest: string | undefined, what: string): Promise<{ data: Buffer; mediaType: string }> {
    const res = await this.do('GET', `manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (res.status !== 200) throw await this.unexpected(res, 'GET', what);
    const data = await readBuffer(res.body, 4 << 20);
    if (expectedDigest && sha256Of(data) !== expectedDigest) {
      throw new DigestMismatchError(`failed to fetch manifest ${expectedDigest}: unexpected commit digest ${sha256Of(data)}, expected ${expectedDigest}: failed precondition`);
    }
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { data, mediaType };
  }

  /** fetchBlobTo downloads a blob into file, verifying its size and digest; the file is removed on failure. */
  async fetchBlobTo(desc: Descriptor, file: string, kind: string): Promise<void> {
    const res = await this.do('GET', `blobs/${desc.digest}`);
    if (res.status !== 200) throw await this.unexpected(res, 'GET', `${kind} ${desc.digest}`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res.body, counter, createWriteStream(file, { mode: 0o644 }));
      const actual = 'sha256:' + hash.digest('hex');
      if (actual !== desc.digest || (desc.size >= 0 && size !== desc.size)) {
        throw new DigestMismatchError(`failed commit on ref "${kind}-${desc.digest}": unexpected commit digest ${actual}, expected ${desc.digest}: failed precondition`);
      }
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
  }
}

/** sha256Of is "sha256:<hex>" of data. */
export function sha256Of(data: Buffer): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

async function readBuffer(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > limit) {
      stream.destroy();
      throw new RegistryError(`manifest larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readText(stream: IncomingMessage): Promise<string> {
  return (await readBuffer(stream, 1 << 20)).toString('utf8');
}
