/**
 * RequestInfo is what the router learns from a URL path (apiserver's RequestInfoFactory):
 * `/api/v1/namespaces/default/pods/nginx/status` → core v1, namespace default, pods, nginx, status.
 */
export interface ResourceRequestInfo {
  isResource: true;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** extra path after the subresource (e.g. proxy paths) */
  rest: string[];
}

export interface NonResourceRequestInfo {
  isResource: false;
  path: string;
  /** for /api/v1 and /apis/g/v discovery documents */
  group?: string;
  version?: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * badURLEscape finds the first malformed percent-escape of a request path (Go's url.ParseRequestURI
 * refuses the request before any handler runs): `invalid URL escape "%zz"`, undefined when none.
 */
export function badURLEscape(pathname: string): string | undefined {
  const m = /%(?![0-9A-Fa-f]{2}).{0,2}/s.exec(pathname);
  // Well-formed escapes of bytes that are not UTF-8 (%ff) pass, as in Go: such a name is simply not found.
  return m ? `invalid URL escape ${JSON.stringify(m[0])}` : undefined;
}

/** decodeSegment decodes one path segment, keeping it as sent when it does not decode (never throws). */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** parseRequestInfo splits an API path; anything not under /api or /apis is non-resource. */
export function parseRequestInfo(pathname: string): RequestInfo {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { isResource: false, path: pathname };
  }
  if (rest.length === 0) return { isResource: false, path: pathname, group, version };
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  return { isResource: true, group, version, namespace, resource, name, subresource, rest: extra };
}
