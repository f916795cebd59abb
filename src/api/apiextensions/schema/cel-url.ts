/**
 * URLs as Kubernetes' CEL url() reads them: the string must pass Go's url.ParseRequestURI (an
 * absolute URL or an absolute path, `parse "x": invalid URI for request` otherwise) and is then
 * split as url.Parse splits it (scheme, host[:port], path, query; a fragment is dropped).
 */

/** ParsedURL is what getScheme/getHost/getHostname/getPort/getEscapedPath/getQuery return. */
export interface ParsedURL {
  href: string;
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  escapedPath: string;
  query: [string, string][];
}

function getScheme(raw: string): { scheme: string; rest: string } | { error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) return { error: 'missing protocol scheme' };
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function unescape(s: string, plusSpace: boolean): string | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent(plusSpace ? s.replace(/\+/g, ' ') : s);
  } catch {
    return undefined;
  }
}

function splitHostPort(host: string): { hostname: string; port: string } | { error: string } {
  let hostname = host;
  let port = '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return { error: 'missing \']\' in host' };
    hostname = host.slice(1, end);
    const after = host.slice(end + 1);
    if (after && !after.startsWith(':')) return { error: `invalid port ${JSON.stringify(after)} after host` };
    port = after.slice(1);
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      hostname = host.slice(0, i);
      port = host.slice(i + 1);
    }
  }
  if (port && !/^[0-9]+$/.test(port)) return { error: `invalid port ${JSON.stringify(':' + port)} after host` };
  return { hostname, port };
}

function escapePath(raw: string, decoded: string): string {
  // Go keeps the original escaping when it is a valid encoding of the path.
  if (/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/.test(raw) && unescape(raw, false) === decoded) return raw;
  return decoded.split('/').map((seg) => encodeURIComponent(seg).replace(/%3A/gi, ':').replace(/%40/g, '@').replace(/%24/g, '$').replace(/%26/g, '&').replace(/%2B/gi, '+').replace(/%2C/gi, ',').replace(/%3B/gi, ';').replace(/%3D/gi, '=')).join('/');
}

/** parseRequestURL parses an absolute URL (or absolute path) as url.ParseRequestURI + url.Parse. */
export function parseRequestURL(raw: string): ParsedURL | { error: string } {
  const fail = (msg: string) => ({ error: `parse ${JSON.stringify(raw)}: ${msg}` });
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  if (raw === '') return fail('empty url');
  const sch = getScheme(raw);
  if ('error' in sch) return fail(sch.error);
  const scheme = sch.scheme.toLowerCase();
  let rest = sch.rest;
  // ParseRequestURI: no fragment split, so an opaque or relative reference is refused here.
  if (!rest.startsWith('/') && !(scheme && rest)) return fail('invalid URI for request');
  if (!rest.startsWith('/')) {
    // scheme:opaque (mailto:x) is accepted; it has no host or path.
    return { href: raw, scheme, host: '', hostname: '', port: '', escapedPath: '', query: parseQuery(rest.split('#')[0].split('?')[1] ?? '') };
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (scheme && rest.startsWith('//')) {
    const authEnd = rest.indexOf('/', 2);
    const authority = authEnd < 0 ? rest.slice(2) : rest.slice(2, authEnd);
    rest = authEnd < 0 ? '' : rest.slice(authEnd);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    if (/[^A-Za-z0-9\-._~!$&'()*+,;=:[\]%]/.test(host)) return fail(`invalid character ${JSON.stringify(host.match(/[^A-Za-z0-9\-._~!$&'()*+,;=:[\]%]/)![0])} in host name`);
  }
  const hp = splitHostPort(host);
  if ('error' in hp) return fail(hp.error);
  const decoded = unescape(rest, false);
  if (decoded === undefined) return fail(`invalid URL escape ${JSON.stringify(rest.match(/%.{0,2}/)?.[0] ?? '%')}`);
  return { href: raw, scheme, host, hostname: hp.hostname, port: hp.port, escapedPath: escapePath(rest, decoded), query: parseQuery(rawQuery) };
}

function parseQuery(raw: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (!part || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const k = unescape(eq < 0 ? part : part.slice(0, eq), true);
    const v = unescape(eq < 0 ? '' : part.slice(eq + 1), true);
    if (k === undefined || v === undefined) continue;
    out.push([k, v]);
  }
  return out;
}
