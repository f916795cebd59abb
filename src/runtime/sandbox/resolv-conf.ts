import type { DNSConfig } from '../types.js';

/**
 * renderResolvConf writes a pod's /etc/resolv.conf from its DNSConfig as containerd's CRI plugin
 * does: the search line, one nameserver line per server, the options line; empty parts omitted.
 */
export function renderResolvConf(dns: DNSConfig): string {
  let out = '';
  if (dns.searches.length) out += `search ${dns.searches.join(' ')}\n`;
  for (const s of dns.servers) out += `nameserver ${s}\n`;
  if (dns.options.length) out += `options ${dns.options.join(' ')}\n`;
  return out;
}

/**
 * parseResolvConf reads a resolv.conf as the kubelet does: nameserver lines accumulate, the last
 * search line and the last options line win, comments are skipped, a trailing dot on a search
 * domain is dropped (and a lone "." search entry ignored).
 */
export function parseResolvConf(text: string): DNSConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...fields] = line.split(/\s+/);
    if (key === 'nameserver' && fields.length) servers.push(fields[0]);
    else if (key === 'search') searches = fields.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') options = fields;
  }
  return { servers, searches, options };
}
